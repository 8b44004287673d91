/**
 * The value of topic `sinch.templates.v1` (schemas/sinch.templates.v1.avsc): the project's
 * WhatsApp templates from the Template Management API, as of a refresh.
 */
export interface TemplateCatalogue {
  projectId: string;
  /** ISO-8601. */
  refreshedAt: string;
  templates: CatalogueTemplate[];
}

export interface CatalogueTemplate {
  templateId: string;
  description: string;
  version: number;
  languages: CatalogueTemplateLanguage[];
}

export interface CatalogueTemplateLanguage {
  /** BCP-47, e.g. `en-US`. */
  languageCode: string;
  /** SEND_TEMPLATE's templateName and templateLanguage (`en_US`). */
  whatsappName: string;
  whatsappLanguage: string;
  /** WhatsApp parameter keys (`body[1]text`) with an example value. */
  parameters: { key: string; preview: string | null }[];
  previewText: string | null;
}
