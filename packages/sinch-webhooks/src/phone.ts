/**
 * E.164 normalization of phone identities. Sinch payloads show both `46700000000` and
 * `+46700000000` for the same number (docs/DOMAIN.md#phone-numbers). We keep the digits, drop formatting
 * characters and a leading international `00`, and prefix `+`. Not a phone-number
 * validator: anything without 6 to 15 digits is returned unchanged (trimmed).
 */
export function toE164(identity: string): string {
  const trimmed = identity.trim();
  const compact = trimmed.replace(/[\s().-]/g, '');
  const match = /^(?:\+|00)?(\d{6,15})$/.exec(compact);
  return match ? `+${match[1]}` : trimmed;
}

/**
 * Channels whose identity is a phone number (MSISDN) in the Conversation API
 * (docs/DOMAIN.md#phone-numbers). `VIBERBM` is Viber Business Messages, addressed by phone
 * number; `VIBER` is the Viber bot, whose identities are Viber user ids: not a phone channel.
 */
export const PHONE_CHANNELS: ReadonlySet<string> = new Set([
  'SMS',
  'MMS',
  'WHATSAPP',
  'RCS',
  'VIBERBM',
]);

export function normalizeIdentity(channel: string, identity: string): string {
  return PHONE_CHANNELS.has(channel) ? toE164(identity) : identity.trim();
}
