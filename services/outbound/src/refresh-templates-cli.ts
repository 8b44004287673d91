// npm run refresh-templates -w @cpm/outbound: writes the project's WhatsApp templates to sinch.templates.v1 (see README).
import { connectionSchema, createLogger, loadConfig } from '@cpm/platform';
import { sinchConnectionSchema } from './config';
import { refreshTemplates, templateRefreshOptions } from './template-refresh';

async function main(): Promise<void> {
  const config = loadConfig(connectionSchema.merge(sinchConnectionSchema), process.env);
  const logger = createLogger('refresh-templates', config.LOG_LEVEL);
  const catalogue = await refreshTemplates(await templateRefreshOptions(config, logger));
  for (const t of catalogue.templates)
    console.log(
      `${t.templateId}: ${t.languages.map((l) => `${l.whatsappName} ${l.whatsappLanguage}`).join(', ')}`,
    );
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(`refresh-templates failed: ${error.message}`);
    process.exit(1);
  },
);
