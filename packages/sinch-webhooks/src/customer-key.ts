import { normalizeIdentity, toE164 } from './phone';
import { detectTrigger } from './triggers';

/**
 * The record key of every topic (docs/ARCHITECTURE.md#keys-and-partitioning, docs/DOMAIN.md#customer-key):
 * - SMS and MMS: `appId:tel:+E164`, because a customer's plain-text reply in an MMS thread
 *   arrives on SMS, possibly under another contact, and must land in the same partition;
 * - otherwise `appId:contactId`;
 * - fallbacks: `appId:CHANNEL:identity` (DISPATCH mode has empty contact ids), then
 *   `appId:conv:conversationId`, then `appId:unkeyed`.
 */
export interface CustomerRef {
  appId: string;
  contactId: string;
  conversationId: string;
  channel: string;
  identity: string;
}

export type KeySource = 'PHONE' | 'CONTACT' | 'CHANNEL_IDENTITY' | 'CONVERSATION' | 'NONE';

const SMS_LIKE = new Set(['SMS', 'MMS']);

/** SMS and MMS: the channels keyed by phone number. */
export const isPhoneKeyed = (channel: string): boolean => SMS_LIKE.has(channel);

/** The key of an SMS/MMS customer: `appId:tel:+E164`. */
export const phoneKeyOf = (appId: string, identity: string): string =>
  `${appId || 'unknown-app'}:tel:${toE164(identity)}`;

/** The key of a Conversation API contact: `appId:contactId`. */
export const contactKeyOf = (appId: string, contactId: string): string =>
  `${appId || 'unknown-app'}:${contactId}`;

/** Whether a customer key is a phone key of that app (`appId:tel:...`). */
export const isPhoneKey = (appId: string, key: string): boolean =>
  key.startsWith(`${appId || 'unknown-app'}:tel:`);

export function customerKey(ref: CustomerRef): { key: string; source: KeySource } {
  const app = ref.appId || 'unknown-app';
  if (SMS_LIKE.has(ref.channel) && ref.identity)
    return { key: phoneKeyOf(app, ref.identity), source: 'PHONE' };
  if (ref.contactId) return { key: contactKeyOf(app, ref.contactId), source: 'CONTACT' };
  if (ref.channel && ref.identity) {
    return {
      key: `${app}:${ref.channel}:${normalizeIdentity(ref.channel, ref.identity)}`,
      source: 'CHANNEL_IDENTITY',
    };
  }
  if (ref.conversationId)
    return { key: `${app}:conv:${ref.conversationId}`, source: 'CONVERSATION' };
  return { key: `${app}:unkeyed`, source: 'NONE' };
}

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Where the customer is named in each trigger's inner object. `channel_identity` is an
 * object `{channel, identity, app_id}` except on SMART_CONVERSATION, where it is a string
 * (docs/DOMAIN.md#sdk-inconsistencies); old payloads have `channel` beside it.
 */
export function customerRefOf(body: unknown): CustomerRef {
  const root = obj(body);
  const { key } = detectTrigger(body);
  const inner = key ? obj(root[key]) : {};
  const appId = str(root.app_id) || str(obj(inner.channel_identity).app_id);
  let contactId = str(inner.contact_id);
  let conversationId = str(inner.conversation_id);
  let channel = '';
  let identity = '';
  const ci = inner.channel_identity;
  if (typeof ci === 'string') {
    identity = ci;
    channel = str(inner.channel);
  } else if (ci && typeof ci === 'object') {
    channel = str(obj(ci).channel);
    identity = str(obj(ci).identity);
  } else {
    channel = str(inner.channel);
    identity = str(inner.identity);
  }
  if (
    key === 'conversation_start_notification' ||
    key === 'conversation_stop_notification' ||
    key === 'conversation_delete_notification'
  ) {
    const conversation = obj(inner.conversation);
    contactId = str(conversation.contact_id);
    conversationId = str(conversation.id);
    channel = str(conversation.active_channel);
  } else if (
    key === 'contact_create_notification' ||
    key === 'contact_update_notification' ||
    key === 'contact_delete_notification'
  ) {
    contactId = str(obj(inner.contact).id);
  } else if (key === 'contact_merge_notification') {
    contactId = str(obj(inner.preserved_contact).id);
  } else if (key === 'channel_event_notification') {
    channel = str(obj(inner.channel_event).channel);
  }
  return { appId, contactId, conversationId, channel, identity };
}
