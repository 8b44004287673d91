import { z } from 'zod';
import {
  connectionSchema,
  consumerHealthSchema,
  loadConfig,
  port,
  positiveInt,
} from '@cpm/platform';

/** Sinch credentials and hosts, shared by the service and the webhook set-up command. */
export const sinchConnectionSchema = z.object({
  SINCH_PROJECT_ID: z.string().min(1, 'the Sinch project id (dashboard → Access keys)'), // required, no default
  SINCH_KEY_ID: z.string().min(1, 'the access key id (dashboard → Access keys)'), // required, no default
  SINCH_KEY_SECRET: z.string().min(1, 'the access key secret'), // required, no default; never logged
  SINCH_REGION: z.enum(['us', 'eu', 'br']).default('us'), // region of the Conversation API app; us by default
  SINCH_CONVERSATION_BASE_URL: z.url().optional(), // override of https://{region}.conversation.api.sinch.com (simulator); none by default
  SINCH_AUTH_BASE_URL: z.url().optional(), // override of https://auth.sinch.com (simulator); none by default
  SINCH_TIMEOUT_MS: positiveInt(10_000), // per API call; a timeout is a retriable network error; 10 s
});

export const outboundConfigSchema = connectionSchema
  .merge(consumerHealthSchema)
  .merge(sinchConnectionSchema)
  .extend({
    OUTBOUND_HTTP_PORT: port(18083), // /healthz /readyz /metrics; 0 picks a free port
    OUTBOUND_HTTP_HOST: z.string().default('127.0.0.1'), // bind address; 0.0.0.0 in a container, for its probes
    OUTBOUND_RATE_LIMIT_PER_SECOND: positiveInt(20), // sends per second per Sinch app (token bucket, burst = this)
    OUTBOUND_RETRY_MAX_ATTEMPTS: positiveInt(5), // attempts per command on retriable errors (5xx, 429, network), first included
    OUTBOUND_RETRY_BASE_MS: positiveInt(200), // backoff before the 2nd attempt; doubles each time
    OUTBOUND_RETRY_MAX_MS: positiveInt(5_000), // backoff cap
    OUTBOUND_HANDLED_CAPACITY: positiveInt(10_000), // command ids remembered per customer key for idempotency
    OUTBOUND_TEMPLATES_REFRESH_MS: z.coerce.number().int().min(0).default(600_000), // WhatsApp template catalogue → sinch.templates.v1 at start and this often; 0 disables; 10 min
  });

export type SinchConnectionConfig = z.infer<typeof sinchConnectionSchema>;
export type OutboundConfig = z.infer<typeof outboundConfigSchema>;
export const loadOutboundConfig = (env: NodeJS.ProcessEnv = process.env): OutboundConfig =>
  loadConfig(outboundConfigSchema, env);

/** The SinchApi settings of a config. */
export function sinchApiSettings(config: SinchConnectionConfig) {
  return {
    projectId: config.SINCH_PROJECT_ID,
    keyId: config.SINCH_KEY_ID,
    keySecret: config.SINCH_KEY_SECRET,
    region: config.SINCH_REGION,
    timeoutMs: config.SINCH_TIMEOUT_MS,
    ...(config.SINCH_CONVERSATION_BASE_URL !== undefined && {
      conversationBaseUrl: config.SINCH_CONVERSATION_BASE_URL,
    }),
    ...(config.SINCH_AUTH_BASE_URL !== undefined && { authBaseUrl: config.SINCH_AUTH_BASE_URL }),
  };
}
