import type { Conversation } from '@sinch/conversation';
import { planWebhook } from './webhook-plan';

describe('planWebhook', () => {
  const desired = {
    appId: 'app',
    targetUrl: 'https://in.example.com/sinch',
    secret: 's',
    triggers: ['MESSAGE_INBOUND', 'MESSAGE_DELIVERY'],
  };
  const ours: Conversation.Webhook = {
    id: 'W1',
    app_id: 'app',
    target: desired.targetUrl,
    secret: 's',
    triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND'],
  };

  it('creates when no webhook has our target', () => {
    expect(planWebhook([{ ...ours, target: 'https://other.example.com' }], desired)).toEqual({
      action: 'create',
    });
  });

  it('does nothing when triggers (in any order) and secret match', () => {
    expect(planWebhook([ours], desired)).toEqual({ action: 'none', webhookId: 'W1' });
  });

  it.each([
    ['a trigger is missing', { triggers: ['MESSAGE_INBOUND'] as Conversation.WebhookTrigger[] }],
    ['the secret differs', { secret: 'old' }],
    ['the secret is not echoed', { secret: undefined }],
    ['callbacks are dismissed', { target_type: 'DISMISS' as const }],
  ])('updates when %s', (_, change) => {
    expect(planWebhook([{ ...ours, ...change }], desired)).toEqual({
      action: 'update',
      webhookId: 'W1',
    });
  });
});
