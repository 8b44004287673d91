import type { Author } from '@cpm/contracts';

/** A message we know from our own log, as the agent-events service remembers it. */
export interface KnownMessage {
  messageId: string;
  author: Author;
  /** Sinch's accepted time of the quoted message (epoch millis). */
  acceptedAtMs: number;
  text: string | null;
  attachment: QuoteAttachment | null;
}

export interface QuoteAttachment {
  url: string;
  fileName: string | null;
  contentType: string | null;
}

export interface Quote {
  messageId: string;
  /** The beginning of the text when `truncated`; null for an attachment without text. */
  text: string | null;
  truncated: boolean;
  attachment: QuoteAttachment | null;
}

export type QuoteRefusal =
  'CHANNEL_NOT_SUPPORTED' | 'UNKNOWN_MESSAGE' | 'NOT_AGENT_MESSAGE' | 'TOO_OLD' | 'INSTAGRAM_MEDIA';

export type QuoteDecision = { show: true; quote: Quote } | { show: false; reason: QuoteRefusal };

export interface QuoteRequest {
  replyChannel: string;
  /** Sinch's time of the reply (its occurredAtMs), never the processing clock. */
  replyTimeMs: number;
  quoted: KnownMessage | undefined;
  maxAgeMs?: number;
  maxTextLength?: number;
}

export const DEFAULT_QUOTE_MAX_AGE_MS = 3 * 24 * 60 * 60 * 1000;
export const DEFAULT_QUOTE_MAX_TEXT_LENGTH = 200;
/** The defaults of the QUOTE_* settings (quoteSettingsSchema of @cpm/platform). */
export const QUOTE_DEFAULTS = {
  maxAgeMs: DEFAULT_QUOTE_MAX_AGE_MS,
  maxTextLength: DEFAULT_QUOTE_MAX_TEXT_LENGTH,
} as const;

const QUOTING_CHANNELS = new Set(['WHATSAPP', 'INSTAGRAM', 'MESSENGER']);

/** Only an agent's message is ever shown as a quote: not the customer's own, a prompt or an error. */
export const quotableAuthor = (author: Author): boolean => author === 'AGENT';

/**
 * Whether the agent sees the agent message a customer quoted (docs/DOMAIN.md#quoting), checked in
 * this order: channel, known message, agent author, age (between Sinch times, so a replay
 * decides the same), and no media on Instagram.
 */
export function decideQuote({
  replyChannel,
  replyTimeMs,
  quoted,
  maxAgeMs = DEFAULT_QUOTE_MAX_AGE_MS,
  maxTextLength = DEFAULT_QUOTE_MAX_TEXT_LENGTH,
}: QuoteRequest): QuoteDecision {
  if (!QUOTING_CHANNELS.has(replyChannel)) return { show: false, reason: 'CHANNEL_NOT_SUPPORTED' };
  if (!quoted) return { show: false, reason: 'UNKNOWN_MESSAGE' };
  if (!quotableAuthor(quoted.author)) return { show: false, reason: 'NOT_AGENT_MESSAGE' };
  if (replyTimeMs - quoted.acceptedAtMs > maxAgeMs) return { show: false, reason: 'TOO_OLD' };
  if (replyChannel === 'INSTAGRAM' && quoted.attachment)
    return { show: false, reason: 'INSTAGRAM_MEDIA' };
  // Count code points, not UTF-16 units, so an emoji is never cut in half.
  const chars = quoted.text === null ? [] : Array.from(quoted.text);
  const truncated = chars.length > maxTextLength;
  const text =
    quoted.text === null ? null : truncated ? chars.slice(0, maxTextLength).join('') : quoted.text;
  return {
    show: true,
    quote: { messageId: quoted.messageId, text, truncated, attachment: quoted.attachment },
  };
}
