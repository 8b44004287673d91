import { z } from 'zod';
import { loadConfig } from '@cpm/platform';
import { SinchApi, type SetupWebhookResult } from '@cpm/sinch-api';
import { sinchApiSettings, sinchConnectionSchema } from './config';

export const setupWebhookConfigSchema = sinchConnectionSchema.extend({
  SINCH_APP_ID: z.string().min(1, 'the Conversation API app to register the webhook on'), // required, no default
  SINCH_WEBHOOK_TARGET_URL: z.url(), // required: the ingress URL Sinch calls, e.g. https://host/webhooks/sinch
  SINCH_WEBHOOK_SECRET: z
    .string()
    .min(
      1,
      'the secret Sinch signs callbacks with (the first of the ingress SINCH_WEBHOOK_SECRETS)',
    ), // required
});

/** Registers (or brings up to date) our webhook on the app, with REQUIRED_WEBHOOK_TRIGGERS; idempotent. */
export function setupWebhook(env: NodeJS.ProcessEnv = process.env): Promise<SetupWebhookResult> {
  const config = loadConfig(setupWebhookConfigSchema, env);
  const api = new SinchApi(sinchApiSettings(config));
  return api.setupWebhook({
    appId: config.SINCH_APP_ID,
    targetUrl: config.SINCH_WEBHOOK_TARGET_URL,
    secret: config.SINCH_WEBHOOK_SECRET,
  });
}

/** What the command prints: the action, the webhook (secret left out) and the warnings. */
export function describeSetup(result: SetupWebhookResult): string {
  const { secret: _secret, ...webhook } = result.webhook;
  const lines = [
    `webhook ${result.action}: ${JSON.stringify(webhook)}`,
    `processing mode: ${result.processingMode ?? 'unknown'}`,
  ];
  for (const warning of result.warnings) lines.push(`WARNING: ${warning}`);
  return lines.join('\n');
}
