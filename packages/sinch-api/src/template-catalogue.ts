import type { Conversation } from '@sinch/conversation';

/** One language of a template the agent can send on WhatsApp. */
export interface WhatsAppTemplateLanguage {
  /** The Template Management API's language (BCP-47, e.g. `en-US`). */
  languageCode: string;
  /** The WhatsApp template's name and language (underscore form), what `channel_template.WHATSAPP` takes. */
  whatsappName: string;
  whatsappLanguage: string;
  /** The parameters to fill: WhatsApp keys (`body[1]text`) with a preview value. */
  parameters: { key: string; preview: string | null }[];
  /** What the customer reads, with `${variables}` (the translation's text, when it has one). */
  previewText: string | null;
}

export interface WhatsAppTemplate {
  templateId: string;
  description: string;
  version: number;
  languages: WhatsAppTemplateLanguage[];
}

/**
 * The WhatsApp templates among the project's templates (Template Management API V2): the
 * translations that refer to a WhatsApp template (`channel_template_overrides.WHATSAPP`).
 * Templates with none are left out: an agent cannot send them on WhatsApp.
 */
export function whatsAppTemplatesOf(
  templates: Conversation.V2TemplateResponse[],
): WhatsAppTemplate[] {
  const result: WhatsAppTemplate[] = [];
  for (const template of templates) {
    const languages: WhatsAppTemplateLanguage[] = [];
    for (const translation of template.translations ?? []) {
      const reference = translation.channel_template_overrides?.WHATSAPP?.template_reference;
      if (!reference?.template_id) continue;
      const mappings = translation.channel_template_overrides?.WHATSAPP?.parameter_mappings ?? {};
      const previews = new Map(
        (translation.variables ?? []).map((v) => [v.key ?? '', v.preview_value ?? null]),
      );
      const keys = Object.keys(reference.parameters ?? {});
      for (const key of Object.values(mappings)) if (!keys.includes(key)) keys.push(key);
      const variableOf = new Map(
        Object.entries(mappings).map(([variable, key]) => [key, variable]),
      );
      languages.push({
        languageCode: translation.language_code,
        whatsappName: reference.template_id,
        whatsappLanguage: reference.language_code ?? translation.language_code.replace('-', '_'),
        parameters: keys.map((key) => ({
          key,
          preview: previews.get(variableOf.get(key) ?? key) ?? reference.parameters?.[key] ?? null,
        })),
        previewText: translation.text_message?.text ?? null,
      });
    }
    if (languages.length > 0)
      result.push({
        templateId: template.id,
        description: template.description ?? '',
        version: template.version,
        languages,
      });
  }
  return result;
}
