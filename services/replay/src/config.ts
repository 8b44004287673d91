import { z } from 'zod';
import { connectionSchema, loadConfig } from '@cpm/platform';
import { webhookSecretSettings } from '@cpm/ingress';
import { refineWebhookSecrets } from '@cpm/sinch-webhooks';

export const replayConfigSchema = connectionSchema.extend({
  // The webhook keyring (SINCH_WEBHOOK_SECRETS or SINCH_WEBHOOK_KEYRING, as the ingress's): audit
  // re-verifies stored signatures and readmit admits quarantined requests with it; none: audit
  // reports signatures as not checked, readmit admits nothing.
  ...webhookSecretSettings,
  PROJECTION_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _')
    .default('projection'), // the live schema that rebuild swaps and verify compares against
  PROJECTOR_GROUP: z.string().min(1).default('projector'), // the live projector's group: rebuilt offsets are stored under it
  REPLAY_MAX_BYTES_PER_PARTITION: z.coerce.number().int().positive().default(1_048_576), // fetch size per partition while replaying (1 MiB: bounds memory; bench/replay measured with it)
});

export type ReplayConfig = z.infer<typeof replayConfigSchema>;
export const loadReplayConfig = (env: NodeJS.ProcessEnv = process.env): ReplayConfig =>
  loadConfig(replayConfigSchema.superRefine(refineWebhookSecrets), env);
