import type { Conversation } from '@sinch/conversation';

/**
 * The triggers our ingress subscribes to. MESSAGE_DELIVERY is required: quoting needs to
 * know which agent messages were delivered (docs/DOMAIN.md#quoting), and statuses reach the agent.
 */
export const REQUIRED_WEBHOOK_TRIGGERS = [
  'MESSAGE_INBOUND',
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'EVENT_INBOUND',
  'EVENT_DELIVERY',
  'CONVERSATION_START',
  'CONVERSATION_STOP',
  'CONVERSATION_DELETE',
  'CONTACT_CREATE',
  'CONTACT_UPDATE',
  'CONTACT_MERGE',
  'CONTACT_DELETE',
  'CONTACT_IDENTITIES_DUPLICATION',
  'OPT_IN',
  'OPT_OUT',
  'CAPABILITY',
  'CHANNEL_EVENT',
  'UNSUPPORTED',
] as const satisfies readonly Conversation.WebhookTrigger[];
