import type { TemplateCatalogue } from '@cpm/contracts/template-catalogue';

/** The WhatsApp templates agents may choose: the last catalogue of each project read from sinch.templates.v1. */
export class TemplateStore {
  private readonly byProject = new Map<string, TemplateCatalogue>();

  set(catalogue: TemplateCatalogue): void {
    this.byProject.set(catalogue.projectId, catalogue);
  }

  /** Every project's templates, and when the oldest list was read (null before any). */
  list(): { refreshedAt: string | null; templates: TemplateCatalogue['templates'] } {
    const catalogues = [...this.byProject.values()];
    return {
      refreshedAt: catalogues.map((c) => c.refreshedAt).sort()[0] ?? null,
      templates: catalogues.flatMap((c) => c.templates),
    };
  }
}
