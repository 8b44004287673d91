import {
  contentTypeOf,
  decideQuote,
  sinchTimeToMs,
  type KnownMessage,
  type Quote,
  type QuoteRefusal,
} from '@cpm/domain';

/** QUOTE_MAX_AGE_MS and QUOTE_MAX_TEXT_LENGTH, the live view's (default: the domain's). */
export interface QuoteSettings {
  maxAgeMs?: number;
  maxTextLength?: number;
}

/** The columns of a history row that decide its quote (plans.conversationMessages). */
export interface QuoteColumns {
  reply_to_message_id: string | null;
  direction: string;
  channel: string;
  occurred_at: Date;
  q_message_id: string | null;
  q_author: string | null;
  q_text: string | null;
  q_occurred_at: Date | null;
  q_accepted_at: string | null;
  q_media: { url: string; fileName: string | null } | null;
}

/**
 * The quote of a customer's reply in the history, by the rule of the live view
 * (`decideQuote`, docs/DOMAIN.md#quoting): the quoted message as agent-events remembers it
 * (an agent message's Sinch accepted time, its text, its media typed by name), the reply's
 * channel and Sinch time. Shown (`quoted`) or hidden with the reason.
 */
export function historyQuote(
  r: QuoteColumns,
  settings: QuoteSettings = {},
): {
  quoted: Quote | null;
  quoteHiddenReason: QuoteRefusal | null;
} {
  if (!r.reply_to_message_id || r.direction !== 'TO_APP')
    return { quoted: null, quoteHiddenReason: null };
  const decision = decideQuote({
    replyChannel: r.channel,
    replyTimeMs: r.occurred_at.getTime(),
    quoted: r.q_message_id === null ? undefined : knownOf(r),
    ...settings,
  });
  return decision.show
    ? { quoted: decision.quote, quoteHiddenReason: null }
    : { quoted: null, quoteHiddenReason: decision.reason };
}

function knownOf(r: QuoteColumns): KnownMessage {
  const occurredAtMs = r.q_occurred_at?.getTime() ?? 0;
  const customer = r.q_author === 'CUSTOMER';
  const media = customer ? null : r.q_media;
  return {
    messageId: r.q_message_id!,
    // An app message whose author was not recorded is the agent's, as in the live view.
    author:
      r.q_author === null || r.q_author === 'UNKNOWN'
        ? 'AGENT'
        : (r.q_author as KnownMessage['author']),
    acceptedAtMs: customer
      ? occurredAtMs
      : ((r.q_accepted_at ? sinchTimeToMs(r.q_accepted_at) : null) ?? occurredAtMs),
    text: r.q_text,
    attachment: media
      ? {
          url: media.url,
          fileName: media.fileName,
          contentType: contentTypeOf(media.fileName ?? media.url),
        }
      : null,
  };
}
