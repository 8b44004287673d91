import { z } from 'zod';
import { AppError } from '@cpm/errors';

/** A setting is missing or wrong: the service does not start. */
export class ConfigError extends AppError<'CPM_ERR_CONFIG'> {
  constructor(message: string) {
    super('CPM_ERR_CONFIG', message);
  }
}

/**
 * Validates the environment once, at start-up (docs/CONVENTIONS.md#config-validated-at-start-up). Every setting's default
 * is documented next to it in the schema that calls this. A wrong value fails fast with
 * the variable's name and what is expected.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('\n');
  throw new ConfigError(
    `Invalid configuration:\n${problems}\nFix the environment variables above (see README, Configuration).`,
  );
}

/** Comma-separated list, e.g. SINCH_WEBHOOK_SECRETS=new,old. */
export const csv = z
  .string()
  .optional()
  .transform((v) =>
    v
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );

export const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);
export const positiveInt = (fallback: number) =>
  z.coerce.number().int().positive().default(fallback);
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

/** Connection settings shared by every service (docs/CONVENTIONS.md#connection-settings-from-the-environment). */
export const connectionSchema = z.object({
  KAFKA_BROKERS: z.string().default('127.0.0.1:19092'), // the local default of infra/
  SCHEMA_REGISTRY_URL: z.string().url().default('http://127.0.0.1:18081/apis/ccompat/v7'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/cpm'),
  POSTGRES_WAIT_MS: positiveInt(60_000), // how long start-up steps (migrations) retry a lost or refused PostgreSQL connection
  TOPIC_NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''), // prefix of every topic; none by default
  TOPIC_PARTITIONS: positiveInt(12), // partitions of every topic created by us (co-partitioned)
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
/** Settings of every Kafka consumer service's readiness and lag gauge (ConsumerHealth of @cpm/kafka). */
export const consumerHealthSchema = z.object({
  CONSUMER_FETCH_STALL_MS: positiveInt(30_000), // /readyz answers 503 once the consumer's fetches have gone unanswered this long
  CONSUMER_LAG_INTERVAL_MS: positiveInt(10_000), // cpm_consumer_lag is set from the brokers' offsets this often
});
export type ConsumerHealthConfig = z.infer<typeof consumerHealthSchema>;

/**
 * How a quoted agent message is shown: the live view (agent-events) and the history (the
 * projector's read API) decide by one rule, so they read one pair of settings. The
 * defaults are the domain's (@cpm/domain quoting.ts), passed in.
 */
export const quoteSettingsSchema = (defaults: { maxAgeMs: number; maxTextLength: number }) =>
  z.object({
    QUOTE_MAX_AGE_MS: positiveInt(defaults.maxAgeMs), // a quoted agent message older than this (Sinch times) is not shown; 3 days
    QUOTE_MAX_TEXT_LENGTH: positiveInt(defaults.maxTextLength), // a longer quoted text shows its beginning, truncated; 200
    // The names before the history shared them: set, they stop the service instead of being ignored.
    AGENT_EVENTS_QUOTE_MAX_AGE_MS: z
      .undefined({
        error: 'renamed QUOTE_MAX_AGE_MS (agent-events and the projector read it)',
      })
      .optional(),
    AGENT_EVENTS_QUOTE_MAX_TEXT_LENGTH: z
      .undefined({
        error: 'renamed QUOTE_MAX_TEXT_LENGTH (agent-events and the projector read it)',
      })
      .optional(),
  });
