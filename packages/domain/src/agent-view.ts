import type { AgentAttachment, AgentEvent, AgentEventType, AgentMessage } from '@cpm/contracts';
import { customerContentOf, unsupportedContentOf, type KnownOffer } from './agent-content';
import type { AgentState } from './agent-state';
import { contentTypeOf } from './content-type';
import { nextDeliveryState, type DeliveryState } from './delivery-status';
import { customerName } from './display-name';
import { attachmentIdOf, eventIdOf } from './event-id';
import type { ConversationEvent } from '@cpm/contracts';
import { obj, parseJson } from './json';
import type { ChoiceOption } from './message-content';
import { decideQuote, quotableAuthor, type KnownMessage, type QuoteRefusal } from './quoting';
import { sinchTimeToMs } from './sinch-time';

export interface AgentViewOptions {
  quoteMaxAgeMs: number;
  quoteMaxTextLength: number;
  knownMessages: number;
  knownStatuses: number;
}

export interface AgentViewResult {
  state: AgentState;
  events: AgentEvent[];
  /** Why a quote was not shown (for the metric), null when there was none or it was shown. */
  quoteHidden: QuoteRefusal | null;
  attachedDataInvalid: boolean;
  /** A status report that changed nothing the agent sees. */
  statusUnchanged: boolean;
  /** A second stop of a conversation already shown as ended (docs/DOMAIN.md#conversation-lifecycle). */
  endRepeated?: boolean;
}

/** How many app messages' options, and ended conversation ids, a customer's state keeps. */
export const KNOWN_OFFERS = 50;
export const KNOWN_ENDED_CONVERSATIONS = 20;

/** Same source event, same type → same id, whatever the run (docs/ARCHITECTURE.md#deterministic-ids). */
export const agentEventIdOf = (type: AgentEventType, sourceEventId: string): string =>
  eventIdOf(['AGENT_EVENT', type, sourceEventId]);

/**
 * One conversation event → what the agent sees (docs/DOMAIN.md, from #display-names to #consent), with the customer's
 * next state. Pure: no clock, no I/O; the same log gives the same events.
 */
export function agentView(
  event: ConversationEvent,
  current: AgentState,
  o: AgentViewOptions,
): AgentViewResult {
  const identity = event.identity || current.identity;
  const moved =
    identity !== current.identity ||
    event.channel !== current.channel ||
    event.sourceChannel !== current.sourceChannel;
  let state: AgentState = moved
    ? { ...current, identity, channel: event.channel, sourceChannel: event.sourceChannel }
    : current;
  const result = (events: AgentEvent[], extra: Partial<AgentViewResult> = {}): AgentViewResult => ({
    state,
    events,
    quoteHidden: null,
    attachedDataInvalid: false,
    statusUnchanged: false,
    ...extra,
  });
  const base = (type: AgentEventType): AgentEvent => baseEvent(type, event, state);
  switch (event.type) {
    case 'CONTACT_CREATED':
    case 'CONTACT_UPDATED': {
      const name = customerName(event.contact?.displayName, state.identity).displayName;
      if (name !== null) state = { ...state, displayName: name };
      return result([]);
    }
    case 'CONVERSATION_STARTED': {
      // A conversation started again (same id) can end again.
      const ended = endedOf(state);
      if (ended.includes(event.conversationId))
        state = {
          ...state,
          endedConversations: ended.filter((id) => id !== event.conversationId),
        };
      return result([base('CONVERSATION_STARTED')]);
    }
    case 'CONVERSATION_STOPPED': {
      // An agent's end comes twice: our send's outcome and Sinch's CONVERSATION_STOP. The first ends it.
      const ended = endedOf(state);
      if (event.conversationId !== '') {
        if (ended.includes(event.conversationId)) return result([], { endRepeated: true });
        state = {
          ...state,
          endedConversations: [...ended, event.conversationId].slice(-KNOWN_ENDED_CONVERSATIONS),
        };
      }
      return result([
        { ...base('CONVERSATION_ENDED'), attachedData: null, attachedDataError: null },
      ]);
    }
    case 'MESSAGE_SUBMITTED': {
      const offer = offerOf(event);
      if (offer === null) return result([]);
      state = {
        ...state,
        offers: [...offersOf(state).filter((o) => o.messageId !== offer.messageId), offer].slice(
          -KNOWN_OFFERS,
        ),
      };
      return result([]);
    }
    case 'CONSENT_CHANGED':
      return result(
        event.consent
          ? [
              {
                ...base('CONSENT_CHANGED'),
                consent: { kind: event.consent.kind, status: event.consent.status },
              },
            ]
          : [],
      );
    case 'MESSAGE_RECEIVED':
    case 'UNSUPPORTED_RECEIVED':
      return received(event, state, o, base);
    case 'MESSAGE_SENT':
      return sent(event, state, o, base);
    case 'MESSAGE_STATUS':
    case 'MESSAGE_SEND_FAILED':
      return status(event, state, o, base);
    default:
      return result([]);
  }
}

// State restored from a changelog written before these lists existed lacks them.
const endedOf = (state: AgentState): string[] => state.endedConversations ?? [];
const offersOf = (state: AgentState): KnownOffer[] => state.offers ?? [];

/** The options an app message offered, from its MESSAGE_SUBMITTED (detailsOf in message-content.ts). */
function offerOf(event: ConversationEvent): KnownOffer | null {
  if (!event.message?.id || event.detailsJson === null) return null;
  const options = obj(parseJson(event.detailsJson)).options;
  return Array.isArray(options) && options.length > 0
    ? { messageId: event.message.id, options: options as ChoiceOption[] }
    : null;
}

function baseEvent(type: AgentEventType, event: ConversationEvent, state: AgentState): AgentEvent {
  const identity = event.identity || state.identity;
  const name = customerName(state.displayName, identity);
  const data = event.attachedData;
  return {
    eventId: agentEventIdOf(type, event.eventId),
    type,
    occurredAt: event.occurredAtMs,
    customerKey: event.customerKey,
    appId: event.appId,
    conversationId: event.conversationId,
    contactId: event.contactId,
    channel: event.channel,
    sourceChannel: event.sourceChannel,
    customer: { identity, displayName: name.displayName, label: name.label },
    message: null,
    attachedData: data?.status === 'OK' ? data.entries : {},
    attachedDataError: data?.status === 'INVALID' ? data.reason : null,
    status: null,
    consent: null,
    times: event.times ?? null,
  };
}

type Base = (type: AgentEventType) => AgentEvent;

/**
 * The last `knownMessages` messages with `known` appended (replacing one of the same id).
 * One copy of the list, not three (filter, spread, slice): it runs for every message, and
 * the list holds up to 500 (bench/RESULTS.md "Profiles"). The messages kept stay the same
 * objects, which the changelog relies on (StateChangelog).
 *
 * A message no quote ever shows (quotableAuthor: the customer's own, a prompt, an error) is
 * remembered without its text and attachment, which would only hold memory and put the
 * customer's words in the changelog.
 */
function remember(state: AgentState, message: KnownMessage, o: AgentViewOptions): AgentState {
  const known = quotableAuthor(message.author)
    ? message
    : { ...message, text: null, attachment: null };
  const before = state.messages;
  const replaced = before.findIndex((m) => m.messageId === known.messageId);
  const length = before.length - (replaced < 0 ? 0 : 1);
  const drop = Math.max(0, length + 1 - o.knownMessages); // the oldest, beyond capacity
  const messages: KnownMessage[] = [];
  for (let i = 0, kept = 0; i < before.length; i++) {
    if (i === replaced) continue;
    if (kept++ >= drop) messages.push(before[i]!);
  }
  messages.push(known);
  return { ...state, messages };
}

/**
 * Quoting shows at most `maxTextLength` code points: one more is enough to know it was cut.
 * A text of at most that many UTF-16 units has at most that many code points, and is kept
 * as it is without splitting it into code points.
 */
const cut = (text: string | null, maxTextLength: number): string | null =>
  text === null || text.length <= maxTextLength
    ? text
    : Array.from(text)
        .slice(0, maxTextLength + 1)
        .join('');

function received(
  event: ConversationEvent,
  state: AgentState,
  o: AgentViewOptions,
  base: Base,
): AgentViewResult {
  const m = event.message;
  const e = base('MESSAGE_RECEIVED');
  if (!m) {
    // UNSUPPORTED: no typed content, but the agent must learn that the customer sent something.
    const { id, content } = unsupportedContentOf(event);
    const message: AgentMessage = {
      id,
      direction: 'TO_APP',
      attachments: [],
      location: null,
      quoted: null,
      quoteHiddenReason: null,
      ...content,
    };
    return {
      state,
      events: [{ ...e, message }],
      quoteHidden: null,
      attachedDataInvalid: e.attachedDataError !== null,
      statusUnchanged: false,
    };
  }
  const content = customerContentOf(m, event.detailsJson, offersOf(state));
  const attachments: AgentAttachment[] = m.media
    ? [
        {
          id: attachmentIdOf(event.eventId, 0),
          contentType: null,
          url: null,
          fileName: m.media.fileName,
          sizeBytes: null,
          status: 'PENDING',
        },
      ]
    : [];
  const location =
    m.location && m.location.latitude !== null && m.location.longitude !== null
      ? {
          latitude: m.location.latitude,
          longitude: m.location.longitude,
          title: m.location.title,
          label: m.location.label,
        }
      : null;
  let quoted: AgentMessage['quoted'] = null;
  let quoteHidden: QuoteRefusal | null = null;
  if (m.replyToMessageId) {
    const decision = decideQuote({
      replyChannel: event.channel,
      replyTimeMs: event.occurredAtMs,
      quoted: state.messages.find((k) => k.messageId === m.replyToMessageId),
      maxAgeMs: o.quoteMaxAgeMs,
      maxTextLength: o.quoteMaxTextLength,
    });
    if (decision.show) {
      const a = decision.quote.attachment;
      quoted = {
        messageId: decision.quote.messageId,
        text: decision.quote.text,
        truncated: decision.quote.truncated,
        attachment: a
          ? {
              id: decision.quote.messageId,
              contentType: a.contentType,
              url: a.url,
              fileName: a.fileName,
              sizeBytes: null,
              status: 'READY',
            }
          : null,
      };
    } else quoteHidden = decision.reason;
  }
  const message: AgentMessage = {
    id: m.id,
    direction: 'TO_APP',
    attachments,
    location,
    quoted,
    quoteHiddenReason: quoteHidden,
    ...content,
  };
  const next = remember(
    state,
    {
      messageId: m.id,
      author: 'CUSTOMER',
      acceptedAtMs: event.occurredAtMs,
      text: cut(message.text, o.quoteMaxTextLength),
      attachment: null,
    },
    o,
  );
  return {
    state: next,
    events: [{ ...e, message }],
    quoteHidden,
    attachedDataInvalid: e.attachedDataError !== null,
    statusUnchanged: false,
  };
}

function sent(
  event: ConversationEvent,
  state: AgentState,
  o: AgentViewOptions,
  base: Base,
): AgentViewResult {
  const m = event.message;
  const e = base('MESSAGE_SENT');
  if (!m)
    return {
      state,
      events: [e],
      quoteHidden: null,
      attachedDataInvalid: false,
      statusUnchanged: false,
    };
  const contentType = m.media ? contentTypeOf(m.media.fileName ?? m.media.url) : null;
  const attachment = m.media ? { url: m.media.url, fileName: m.media.fileName, contentType } : null;
  const message: AgentMessage = {
    id: m.id,
    direction: 'TO_CONTACT',
    text: m.text,
    attachments: attachment
      ? [
          {
            id: m.id,
            contentType,
            url: attachment.url,
            fileName: attachment.fileName,
            sizeBytes: null,
            status: 'READY',
          },
        ]
      : [],
    location: null,
    quoted: null,
    quoteHiddenReason: null,
    kind: m.kind,
    choice: null,
    products: [],
    fields: {},
    contentJson: null,
  };
  const acceptedAtMs = (m.acceptedAt ? sinchTimeToMs(m.acceptedAt) : null) ?? event.occurredAtMs;
  const next = m.id
    ? remember(
        state,
        {
          messageId: m.id,
          author: m.author ?? 'AGENT',
          acceptedAtMs,
          text: cut(m.text, o.quoteMaxTextLength),
          attachment,
        },
        o,
      )
    : state;
  return {
    state: next,
    events: [{ ...e, message }],
    quoteHidden: null,
    attachedDataInvalid: false,
    statusUnchanged: false,
  };
}

const sameView = (a: DeliveryState | undefined, b: DeliveryState): boolean =>
  a !== undefined && a.status === b.status && a.delivered === b.delivered && a.reason === b.reason;

function status(
  event: ConversationEvent,
  state: AgentState,
  o: AgentViewOptions,
  base: Base,
): AgentViewResult {
  const report = event.status;
  const unchanged = {
    state,
    events: [],
    quoteHidden: null,
    attachedDataInvalid: false,
    statusUnchanged: true,
  };
  if (!report) return unchanged;
  const current = state.statuses.find(([id]) => id === report.messageId)?.[1];
  const reason = report.reasonCode ?? report.reasonDescription;
  // A send that failed or was refused is final for the agent: FAILED, with the error as reason.
  const reported = event.type === 'MESSAGE_SEND_FAILED' ? 'FAILED' : report.status;
  const next = nextDeliveryState(current, { status: reported, reason: reason ?? null });
  if (sameView(current, next)) return unchanged;
  const statuses = [
    ...state.statuses.filter(([id]) => id !== report.messageId),
    [report.messageId, next] as [string, DeliveryState],
  ].slice(-o.knownStatuses);
  const e = {
    ...base('MESSAGE_STATUS'),
    status: { messageId: report.messageId, status: next.status, reason: next.reason },
  };
  return {
    state: { ...state, statuses },
    events: [e],
    quoteHidden: null,
    attachedDataInvalid: false,
    statusUnchanged: false,
  };
}
