import { z } from 'zod';
import {
  connectionSchema,
  consumerHealthSchema,
  csv,
  loadConfig,
  port,
  positiveInt,
} from '@cpm/platform';
import { DEFAULT_MMS_IDLE_TIMEOUT_MS } from '@cpm/domain';

export const normalizerConfigSchema = connectionSchema.merge(consumerHealthSchema).extend({
  NORMALIZER_HTTP_PORT: port(18082), // health and metrics; 0 picks a free port
  NORMALIZER_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; 0.0.0.0 in a container, for its probes
  MMS_APP_IDS: csv, // apps set up for MMS: their SMS traffic is corrected to MMS
  MMS_BUSINESS_NUMBERS: csv, // business numbers (sender_id) set up for MMS
  MMS_IDLE_TIMEOUT_MS: positiveInt(DEFAULT_MMS_IDLE_TIMEOUT_MS), // an idle MMS thread is unbound after this (Sinch time); 24 h
  DEDUP_CAPACITY: positiveInt(256), // event ids remembered per customer to drop duplicated callbacks
});

export type NormalizerConfig = z.infer<typeof normalizerConfigSchema>;
export const loadNormalizerConfig = (env: NodeJS.ProcessEnv = process.env): NormalizerConfig =>
  loadConfig(normalizerConfigSchema, env);
