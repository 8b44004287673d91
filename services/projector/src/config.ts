import { z } from 'zod';
import { QUOTE_DEFAULTS } from '@cpm/domain';
import {
  bool,
  connectionSchema,
  consumerHealthSchema,
  loadConfig,
  port,
  quoteSettingsSchema,
} from '@cpm/platform';

export const projectorConfigSchema = connectionSchema
  .merge(consumerHealthSchema)
  // The history's quotes (read API) follow the live view's settings.
  .merge(quoteSettingsSchema(QUOTE_DEFAULTS))
  .extend({
    PROJECTOR_HTTP_PORT: port(18086), // read API, health and metrics; 0 picks a free port
    PROJECTOR_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; 0.0.0.0 in a container, for its probes and the read API
    PROJECTION_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _')
      .default('projection'), // PostgreSQL schema of the tables (a rebuild swaps another one in under this name)
    PROJECTOR_GROUP: z.string().min(1).default('projector'), // Kafka consumer group; also the key of its offsets in consumer_offsets
    PROJECTOR_MAX_BYTES_PER_PARTITION: z.coerce.number().int().positive().default(1_048_576), // fetch size per partition: the batch written in one transaction
    PROJECTOR_AUDIT_INDEX: bool(true), // keep the audit index replay audit reads (tables audit_positions, audit_conversations)
    PROJECTOR_AUDIT_INDEX_MAX_BYTES_PER_PARTITION: z.coerce
      .number()
      .int()
      .positive()
      .default(1_048_576), // the audit index's fetch size per partition: its batch per transaction
  });

export type ProjectorConfig = z.infer<typeof projectorConfigSchema>;
export const loadProjectorConfig = (env: NodeJS.ProcessEnv = process.env): ProjectorConfig =>
  loadConfig(projectorConfigSchema, env);
