/**
 * Trigger detection. A Conversation API callback body has no trigger field: the trigger
 * is known by which top-level key is present (docs/DOMAIN.md#triggers). The order
 * below mirrors the official Node SDK's `parseEvent`, with the key the payloads really
 * use for CONTACT_IDENTITIES_DUPLICATION (the SDK checks a wrong key: docs/DOMAIN.md#sdk-inconsistencies).
 */
export const TRIGGER_KEYS = [
  ['message', 'MESSAGE_INBOUND'],
  ['message_redaction', 'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION'],
  ['message_submit_notification', 'MESSAGE_SUBMIT'],
  ['message_delivery_report', 'MESSAGE_DELIVERY'],
  ['event', 'EVENT_INBOUND'],
  ['event_delivery_report', 'EVENT_DELIVERY'],
  ['conversation_start_notification', 'CONVERSATION_START'],
  ['conversation_stop_notification', 'CONVERSATION_STOP'],
  ['conversation_delete_notification', 'CONVERSATION_DELETE'],
  ['contact_create_notification', 'CONTACT_CREATE'],
  ['contact_delete_notification', 'CONTACT_DELETE'],
  ['contact_merge_notification', 'CONTACT_MERGE'],
  ['contact_update_notification', 'CONTACT_UPDATE'],
  ['duplicated_contact_identities_notification', 'CONTACT_IDENTITIES_DUPLICATION'],
  ['capability_notification', 'CAPABILITY'],
  ['opt_in_notification', 'OPT_IN'],
  ['opt_out_notification', 'OPT_OUT'],
  ['channel_event_notification', 'CHANNEL_EVENT'],
  ['unsupported_callback', 'UNSUPPORTED'],
  ['smart_conversation_notification', 'SMART_CONVERSATION'],
  ['record_notification', 'RECORD_NOTIFICATION'],
] as const;

export type KnownTrigger = (typeof TRIGGER_KEYS)[number][1];
/** `UNKNOWN`: valid Sinch traffic with a key we do not know yet; stored and flagged. */
export type Trigger = KnownTrigger | 'UNKNOWN';

export const KNOWN_TRIGGERS: readonly KnownTrigger[] = TRIGGER_KEYS.map(([, t]) => t);

/** The trigger of a parsed callback body, and the body key it was found under. */
export function detectTrigger(body: unknown): { trigger: Trigger; key: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { trigger: 'UNKNOWN', key: null };
  const record = body as Record<string, unknown>;
  for (const [key, trigger] of TRIGGER_KEYS) {
    const value = record[key];
    if (value !== undefined && value !== null && typeof value === 'object') return { trigger, key };
  }
  return { trigger: 'UNKNOWN', key: null };
}
