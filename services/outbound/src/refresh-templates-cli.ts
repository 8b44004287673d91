// npm run refresh-templates -w @cpm/outbound: writes the project's WhatsApp templates to sinch.templates.v1 (see README).
import { connectionSchema, createLogger, loadConfig } from '@cpm/platform';
import { createKafka, ensureTopics, SchemaCodec } from '@cpm/kafka';
import { SinchApi } from '@cpm/sinch-api';
import { sinchApiSettings, sinchConnectionSchema } from './config';
import { refreshTemplates, TEMPLATES } from './template-refresh';

async function main(): Promise<number> {
  const config = loadConfig(connectionSchema.merge(sinchConnectionSchema), process.env);
  const logger = createLogger('refresh-templates', config.LOG_LEVEL);
  const kafka = createKafka(config.KAFKA_BROKERS, 'refresh-templates', logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([TEMPLATES]);
  const catalogue = await refreshTemplates({
    api: new SinchApi(sinchApiSettings(config)),
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    projectId: config.SINCH_PROJECT_ID,
    logger,
  });
  for (const t of catalogue.templates)
    console.log(
      `${t.templateId}: ${t.languages.map((l) => `${l.whatsappName} ${l.whatsappLanguage}`).join(', ')}`,
    );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`refresh-templates failed: ${error.message}`);
    process.exit(1);
  },
);
