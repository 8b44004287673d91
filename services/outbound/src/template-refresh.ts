import type { Kafka } from 'kafkajs';
import type { TemplateCatalogue } from '@cpm/contracts';
import { createKafka, ensureTopics, IdempotentProducer, SchemaCodec, topicName } from '@cpm/kafka';
import type { connectionSchema, Logger } from '@cpm/platform';
import type { z } from 'zod';
import { SinchApi } from '@cpm/sinch-api';
import { sinchApiSettings, type SinchConnectionConfig } from './config';

export const TEMPLATES = 'sinch.templates.v1';

export interface TemplateRefreshOptions {
  api: SinchApi;
  kafka: Kafka;
  /** Registered for sinch.templates.v1. */
  codec: SchemaCodec;
  namespace: string;
  projectId: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Reads the project's WhatsApp templates from the Template Management API and writes them to
 * the compacted sinch.templates.v1, keyed by the project id: the console offers agents the
 * last catalogue written, and never calls Sinch for it. A failed read writes nothing (the
 * last catalogue stays). Run by `npm run refresh-templates -w @cpm/outbound`, or every
 * interval by TemplateRefresher.
 */
export async function refreshTemplates(o: TemplateRefreshOptions): Promise<TemplateCatalogue> {
  const templates = await o.api.listWhatsAppTemplates();
  const catalogue: TemplateCatalogue = {
    projectId: o.projectId,
    refreshedAt: new Date((o.now ?? Date.now)()).toISOString(),
    templates,
  };
  const producer = new IdempotentProducer(o.kafka, o.logger, { timeoutMs: 10_000 });
  await producer.connect();
  try {
    await producer.send(topicName(o.namespace, TEMPLATES), [
      { key: o.projectId, value: await o.codec.encode(TEMPLATES, catalogue) },
    ]);
  } finally {
    await producer.disconnect();
  }
  o.logger.info({ templates: templates.length }, 'WhatsApp template catalogue refreshed');
  return catalogue;
}

/** Refreshes the catalogue now and then every `intervalMs`; a failed refresh is logged and retried at the next tick. */
export class TemplateRefresher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TemplateRefreshOptions & { intervalMs: number }) {}

  start(): Promise<unknown> {
    const tick = () => {
      this.running = refreshTemplates(this.o).catch((error: Error) =>
        this.o.logger.warn({ err: error.message }, 'template catalogue not refreshed'),
      );
      return this.running;
    };
    this.timer = setInterval(tick, this.o.intervalMs);
    this.timer.unref();
    return tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

/** The refresh's clients from a config: Kafka (topics ensured), the codec (schema registered), the API. */
export async function templateRefreshOptions(
  config: z.infer<typeof connectionSchema> & SinchConnectionConfig,
  logger: Logger,
): Promise<TemplateRefreshOptions> {
  const kafka = createKafka(config.KAFKA_BROKERS, 'refresh-templates', logger);
  await ensureTopics(kafka, config.TOPIC_NAMESPACE, config.TOPIC_PARTITIONS);
  const codec = SchemaCodec.connect(config.SCHEMA_REGISTRY_URL, config.TOPIC_NAMESPACE);
  await codec.register([TEMPLATES]);
  return {
    api: new SinchApi(sinchApiSettings(config)),
    kafka,
    codec,
    namespace: config.TOPIC_NAMESPACE,
    projectId: config.SINCH_PROJECT_ID,
    logger,
  };
}
