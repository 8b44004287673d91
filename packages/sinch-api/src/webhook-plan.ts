import type { Conversation } from '@sinch/conversation';

export interface DesiredWebhook {
  appId: string;
  targetUrl: string;
  secret: string;
  triggers: readonly string[];
}

export type WebhookPlan =
  | { action: 'create' }
  | { action: 'update'; webhookId: string }
  | { action: 'none'; webhookId: string };

/**
 * Pure decision of `setupWebhook`: our webhook is the app's webhook with our target URL
 * (Sinch refuses a second one with the same target). Update it when its triggers, secret
 * or target type differ; a secret the API does not echo back counts as different.
 */
export function planWebhook(
  existing: readonly Conversation.Webhook[],
  desired: DesiredWebhook,
): WebhookPlan {
  const ours = existing.find((webhook) => webhook.target === desired.targetUrl);
  if (!ours?.id) return { action: 'create' };
  const sameTriggers = sameSet(ours.triggers ?? [], desired.triggers);
  const sameSecret = ours.secret === desired.secret;
  const delivering = (ours.target_type ?? 'HTTP') === 'HTTP';
  return sameTriggers && sameSecret && delivering
    ? { action: 'none', webhookId: ours.id }
    : { action: 'update', webhookId: ours.id };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((item) => right.has(item));
}
