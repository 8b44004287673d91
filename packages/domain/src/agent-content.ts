import type { AgentChoice, AgentProduct, ConversationEvent, Message } from '@cpm/contracts';
import { arr, isObj, obj, optNum, optStr, parseJson as parse, type Obj } from './json';
import type { ChoiceOption } from './message-content';

/** The options an app message offered, remembered to name the customer's choice (docs/DOMAIN.md#what-the-agent-reads). */
export interface KnownOffer {
  messageId: string;
  options: ChoiceOption[];
}

/** What the agent reads of one message: a text, and the structured content for upstream consumers. */
export interface AgentContent {
  kind: string;
  text: string | null;
  choice: AgentChoice | null;
  products: AgentProduct[];
  fields: Record<string, string>;
  contentJson: string | null;
}

const none = (kind: string, text: string | null): AgentContent => ({
  kind,
  text,
  choice: null,
  products: [],
  fields: {},
  contentJson: null,
});

/** A value of a map<string>: strings as they are, anything else as its JSON text. */
const asField = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? '');

const lines = (...parts: (string | null)[]): string | null => {
  const kept = parts.filter((p): p is string => p !== null && p !== '');
  return kept.length > 0 ? kept.join('\n') : null;
};

/**
 * The content of a customer's message as the agent sees it. Every kind gets a text, so that
 * nothing the customer sent is invisible: the chosen option's title (else its postback), a
 * cart's lines, a Flow reply's answers, a shared contact, a fallback's reason. Media and
 * locations keep their own fields (attachments, location) and their caption or null.
 * `offers` are the option lists of app messages this customer was sent.
 */
export function customerContentOf(
  m: Message,
  detailsJson: string | null,
  offers: readonly KnownOffer[],
): AgentContent {
  switch (m.kind) {
    case 'TEXT':
    case 'MEDIA':
    case 'LOCATION':
      return none(m.kind, m.text);
    case 'MEDIA_CARD':
      return none(m.kind, m.text ?? m.media?.caption ?? null);
    case 'CHOICE_RESPONSE':
      return choiceContent(m, offers);
    case 'PRODUCT_RESPONSE':
      return productContent(m);
    case 'FALLBACK': {
      const r = m.fallbackReason;
      const fields: Record<string, string> = {};
      if (r?.code) fields.reason = r.code;
      if (r?.description) fields.reasonDescription = r.description;
      const reason = [r?.code, r?.description].filter(Boolean).join(': ');
      return {
        ...none(
          m.kind,
          m.text ?? `Message the channel could not convert (${reason || 'no reason given'})`,
        ),
        fields,
      };
    }
    case 'CHANNEL_SPECIFIC':
      return channelSpecificContent(m);
    case 'CONTACT_INFO':
      return contactInfoContent(
        obj(obj(obj(parse(detailsJson)).contact_message).contact_info_message),
      );
    default: {
      const content = obj(parse(detailsJson)).contact_message ?? null;
      return {
        ...none(m.kind, m.text ?? `Message of a kind this system does not know (${m.kind})`),
        contentJson: JSON.stringify(content),
      };
    }
  }
}

/**
 * The title of the chosen option: from the offer we know, else from Sinch's default
 * postback (`<message id>_<title>` when the business set none), else null.
 */
function choiceContent(m: Message, offers: readonly KnownOffer[]): AgentContent {
  const messageId = m.choice?.messageId ?? '';
  const postbackData = m.choice?.postbackData ?? null;
  const offered = offers.find((o) => o.messageId === messageId)?.options ?? [];
  const title =
    offered.find((o) => o.postbackData !== null && o.postbackData === postbackData)?.title ??
    (postbackData !== null && messageId !== '' && postbackData.startsWith(`${messageId}_`)
      ? postbackData.slice(messageId.length + 1) || null
      : null);
  return {
    ...none(
      m.kind,
      m.text ?? title ?? postbackData ?? `Chose an option of message ${messageId || '(unknown)'}`,
    ),
    choice: { messageId, postbackData, title },
  };
}

function productContent(m: Message): AgentContent {
  const body = obj(parse(m.productsJson));
  const products: AgentProduct[] = arr(body.products)
    .filter(isObj)
    .map((p) => ({
      id: optStr(p.id) ?? '',
      marketplace: optStr(p.marketplace),
      quantity: optNum(p.quantity),
      itemPrice: optNum(p.item_price),
      currency: optStr(p.currency),
    }));
  const line = (p: AgentProduct): string =>
    `${p.quantity ?? 1} × ${p.id}${p.itemPrice !== null ? ` at ${p.itemPrice}${p.currency ? ` ${p.currency}` : ''}` : ''}`;
  const catalogId = optStr(body.catalog_id);
  return {
    ...none(
      m.kind,
      lines(m.text, products.length > 0 ? 'Cart:' : 'Cart (empty)', ...products.map(line)),
    ),
    products,
    fields: catalogId ? { catalogId } : {},
  };
}

/** A WhatsApp Flows reply (`nfm_reply`): its answers, from `response_json`, become fields. */
function channelSpecificContent(m: Message): AgentContent {
  const body = obj(parse(m.channelSpecificJson));
  const type = optStr(body.message_type) ?? optStr(obj(body.message).type);
  const reply = obj(obj(body.message).nfm_reply);
  const fields: Record<string, string> = {};
  const answers = parse(typeof reply.response_json === 'string' ? reply.response_json : null);
  if (isObj(answers)) for (const [k, v] of Object.entries(answers)) fields[k] = asField(v);
  const heading =
    type === 'nfm_reply'
      ? `Form reply${optStr(reply.name) ? ` (${optStr(reply.name)})` : ''}`
      : `Channel-specific message (${type ?? 'unknown type'})`;
  return {
    ...none(
      m.kind,
      lines(
        m.text ?? heading,
        optStr(reply.body),
        ...Object.entries(fields).map(([k, v]) => `${k}: ${v}`),
      ),
    ),
    fields,
    contentJson: m.channelSpecificJson,
  };
}

/** A shared contact card: name, numbers, addresses and organization, as fields and lines. */
function contactInfoContent(card: Obj): AgentContent {
  const name = obj(card.name);
  const org = obj(card.organization);
  const list = (value: unknown, key: string): string | null => {
    const items = arr(value)
      .map((item) => optStr(obj(item)[key]))
      .filter((s): s is string => s !== null);
    return items.length > 0 ? items.join(', ') : null;
  };
  const candidates: [string, string | null][] = [
    [
      'name',
      optStr(name.full_name) ??
        ([optStr(name.first_name), optStr(name.last_name)].filter(Boolean).join(' ') || null),
    ],
    ['phoneNumbers', list(card.phone_numbers, 'phone_number')],
    ['emailAddresses', list(card.email_addresses, 'email_address')],
    ['organization', [optStr(org.company), optStr(org.title)].filter(Boolean).join(', ') || null],
    ['urls', list(card.urls, 'url')],
    ['birthday', optStr(card.birthday)],
  ];
  const fields: Record<string, string> = {};
  for (const [k, v] of candidates) if (v !== null) fields[k] = v;
  return {
    ...none('CONTACT_INFO', lines('Shared a contact:', ...Object.values(fields))),
    fields,
    contentJson: JSON.stringify(card),
  };
}

/**
 * An UNSUPPORTED callback (a channel event the Conversation API could not map: an Instagram
 * voice note, a sticker, a reel): a message the agent reads, saying what arrived and why it
 * is not shown. Its id is the callback's id; the channel's payload travels in contentJson.
 */
export function unsupportedContentOf(event: ConversationEvent): {
  id: string;
  content: AgentContent;
} {
  const details = obj(parse(event.detailsJson));
  const payloadText = typeof details.payload === 'string' ? details.payload : null;
  const what = describePayload(parse(payloadText));
  return {
    id: optStr(details.id) ?? event.eventId,
    content: {
      ...none(
        'UNSUPPORTED',
        `Content the Conversation API cannot convert arrived on ${event.sourceChannel || 'this channel'}${what !== null ? ` (${what})` : ''}; it cannot be shown here.`,
      ),
      fields: {
        reason: 'UNSUPPORTED_BY_CONVERSATION_API',
        channel: event.sourceChannel,
        ...(what !== null && { contentType: what }),
      },
      contentJson: payloadText,
    },
  };
}

/**
 * What a Meta-style channel payload (Messenger, Instagram) holds, best effort: the types of
 * its attachments (audio, image, ig_reel...), a sticker, or an echo of the business's own
 * message. Searched a few levels deep; null when nothing is recognized.
 */
function describePayload(payload: unknown, depth = 0): string | null {
  if (depth > 6) return null;
  if (Array.isArray(payload)) {
    for (const item of payload) {
      const found = describePayload(item, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  if (!isObj(payload)) return null;
  if (Array.isArray(payload.attachments)) {
    const types = payload.attachments
      .map((a) => optStr(obj(a).type))
      .filter((t): t is string => t !== null);
    if (types.length > 0) return [...new Set(types)].join(', ');
  }
  if (payload.sticker_id !== undefined || isObj(payload.sticker)) return 'sticker';
  if (payload.is_echo === true) return 'echo of a business message';
  for (const value of Object.values(payload)) {
    const found = describePayload(value, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
