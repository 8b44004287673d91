import { z } from 'zod';
import {
  bool,
  connectionSchema,
  csv,
  loadConfig,
  positiveInt,
  port,
  processName,
} from '@cpm/platform';
import { keyringOf, keyringSetting, refineWebhookSecrets } from '@cpm/sinch-webhooks';

/** The webhook secrets, in either form (docs/DOMAIN.md#signatures); the replay CLI takes them too. */
export const webhookSecretSettings = {
  SINCH_WEBHOOK_SECRETS: csv, // secrets without ids or windows, newest first, comma-separated
  SINCH_WEBHOOK_KEYRING: keyringSetting, // the keyring form (JSON: ids and validity windows); not together with the above
};

const ingressSettings = connectionSchema.extend({
  INGRESS_PORT: port(18080), // HTTP port; 0 picks a free one (tests)
  INGRESS_HOST: z.string().default('127.0.0.1'),
  INGRESS_WEBHOOK_PATH: z.string().startsWith('/').default('/webhooks/sinch'), // the URL to register on the Sinch app
  // Accepted webhook secrets: SINCH_WEBHOOK_SECRETS (newest first, comma-separated; two during
  // a rotation) or SINCH_WEBHOOK_KEYRING (ids and validity windows; see README). Required:
  // without one the ingress refuses to start, unless the setting below says otherwise.
  ...webhookSecretSettings,
  // Accept webhooks without checking their signature. Insecure (anyone who reaches the port
  // can write to the log of record): for a local experiment only; logged at start.
  INGRESS_INSECURE_ACCEPT_UNSIGNED: bool(false),
  SIGNATURE_MAX_AGE_SECONDS: z.coerce.number().int().positive().optional(), // strict replay window; none by default (age only recorded)
  INGRESS_BODY_LIMIT_BYTES: positiveInt(1024 * 1024), // 413 above this
  // Request bytes held at once (declared Content-Length); over it: 503 + Retry-After before
  // the body is read. Bounds the heap a burst of large bodies takes (see inflight.ts).
  INGRESS_MAX_INFLIGHT_BYTES: positiveInt(16 * 1024 * 1024),
  INGRESS_KAFKA_TIMEOUT_MS: positiveInt(5000), // 503 when Kafka has not acknowledged by then
  INGRESS_BATCH_LINGER_MS: z.coerce.number().int().min(0).default(2), // gather concurrent requests this long
  INGRESS_BATCH_MAX_RECORDS: positiveInt(500), // ... or until this many
  INGRESS_KAFKA_PRODUCERS: positiveInt(2), // idempotent producers, one batch in flight each: the next batch goes out while one waits for its acknowledgement
  INGRESS_QUARANTINE_MAX_BYTES: positiveInt(64 * 1024), // rejected bodies are kept up to this size
  INGRESS_RETRY_AFTER_SECONDS: positiveInt(5), // Retry-After of a 503
  INGRESS_REQUEST_TIMEOUT_MS: positiveInt(15_000), // a request (headers and body) not complete by then gets 408 and is closed
  INGRESS_INSTANCE_ID: z.string().default(`ingress-${processName()}`), // a label: recorded in each raw and rejected record (which instance received it) and the Kafka client id
  INGRESS_ENSURE_TOPICS: bool(true), // create topics and register schemas at start
});

/** Signatures fail closed: no secret and no explicit insecure choice is a configuration error. */
export const ingressConfigSchema = ingressSettings.superRefine((config, ctx) => {
  refineWebhookSecrets(config, ctx);
  const secrets = keyringOf(config).length > 0;
  if (!secrets && !config.INGRESS_INSECURE_ACCEPT_UNSIGNED) {
    ctx.addIssue({
      code: 'custom',
      path: ['SINCH_WEBHOOK_SECRETS'],
      message:
        "no webhook secret: set the secret(s) of the Sinch app's webhook (newest first, comma-separated), " +
        'or SINCH_WEBHOOK_KEYRING, ' +
        'or INGRESS_INSECURE_ACCEPT_UNSIGNED=true to accept unsigned webhooks (local experiments only)',
    });
  }
  if (secrets && config.INGRESS_INSECURE_ACCEPT_UNSIGNED) {
    ctx.addIssue({
      code: 'custom',
      path: ['INGRESS_INSECURE_ACCEPT_UNSIGNED'],
      message:
        'set together with a webhook secret: choose one (secrets are checked; unsigned acceptance is for local experiments only)',
    });
  }
});

export type IngressConfig = z.infer<typeof ingressConfigSchema>;

export const loadIngressConfig = (env: NodeJS.ProcessEnv = process.env): IngressConfig =>
  loadConfig(ingressConfigSchema, env);
