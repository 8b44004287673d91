/**
 * The pure view model of the console: consumed records (agent events, agent commands, their
 * outcomes) → one conversation view per customer key. No I/O, no clock; beyond types it
 * imports only the domain's delivery-status rule, which is pure. The server keeps its
 * bounded snapshot with it, and the browser bundles the same function (and that rule) to
 * apply the live records it receives, so both always agree.
 */
import { nextDeliveryState, type DeliveryState } from '@cpm/domain/delivery-status';
import type {
  AgentAttachment,
  AgentChoice,
  AgentLocation,
  AgentQuoted,
  ConsoleInput,
} from './console-input';

export interface ViewLimits {
  /** Messages kept per conversation (the oldest are dropped). */
  maxMessages: number;
  /** Status reports kept for messages not seen yet. */
  maxOrphanStatuses: number;
}

export const DEFAULT_LIMITS: ViewLimits = { maxMessages: 200, maxOrphanStatuses: 50 };

export interface MessageView {
  /** Stable key of the row: the message id, or `cmd:<commandId>` for an agent's command. */
  key: string;
  /** Sinch message id; null while a command is not sent yet. */
  id: string | null;
  commandId: string | null;
  direction: 'TO_APP' | 'TO_CONTACT';
  occurredAt: number;
  text: string | null;
  template: { name: string; language: string | null; parameters: Record<string, string> } | null;
  attachments: AgentAttachment[];
  location: AgentLocation | null;
  quoted: AgentQuoted | null;
  quoteHiddenReason: string | null;
  /** What was sent (TEXT, CHOICE_RESPONSE, PRODUCT_RESPONSE, UNSUPPORTED, ...); null when unknown. */
  kind: string | null;
  /** A button or list reply: what was chosen (the text says it too). */
  choice: AgentChoice | null;
  /** Named values of the content (a Flow reply's answers, a shared contact, a reason). */
  fields: Record<string, string>;
  /** An agent's choice message or card: its buttons (and a card's title). */
  choices: { kind: string; title: string }[];
  cardTitle: string | null;
  /** Agent messages: PENDING (command written), SENT, QUEUED_ON_CHANNEL, DELIVERED, READ, FAILED, ... */
  status: string | null;
  statusReason: string | null;
}

export interface ConversationView {
  customerKey: string;
  appId: string;
  contactId: string;
  conversationId: string;
  /** The channel the agent sees (after the MMS correction). */
  channel: string;
  /** Every channel the Conversation API reported for this thread (SMS, MMS, ...). */
  reportedChannels: string[];
  identity: string;
  displayName: string | null;
  /** The customer's label from agent events (display name or identity); '' until one came. */
  label: string;
  attachedData: Record<string, string>;
  attachedDataError: string | null;
  /**
   * The customer's latest consent: an OPT_IN / OPT_OUT callback (CONSENT_CHANGED), or an
   * agent's registration Sinch accepted (REGISTER_OPT_IN / OUT outcome, status REGISTERED).
   */
  consent: { kind: string; status: string } | null;
  ended: boolean;
  /** The last action that is not a message (end, opt-in, opt-out) that failed, and why. */
  notice: string | null;
  lastActivityAt: number;
  messages: MessageView[];
  /** Status reports whose message is not in the view yet, by message id. */
  orphanStatuses: [string, { status: string; reason: string | null }][];
}

const KIND_LABELS: Record<string, string> = {
  CHOICE_RESPONSE: 'button or list reply',
  PRODUCT_RESPONSE: 'cart',
  CHANNEL_SPECIFIC: 'form reply',
  CONTACT_INFO: 'shared contact',
  FALLBACK: 'not converted by the channel',
  UNSUPPORTED: 'unsupported content',
  UNKNOWN: 'unknown content',
};

/**
 * The label the console puts on a message of a kind whose text is derived (a choice's title,
 * a cart's lines...), so that the agent knows what it was; null for text, media, locations,
 * templates, whose form says it.
 */
export function kindLabel(m: Pick<MessageView, 'kind' | 'choice'>): string | null {
  const label = m.kind === null ? undefined : KIND_LABELS[m.kind];
  if (label === undefined) return null;
  return m.choice?.postbackData ? `${label} (${m.choice.postbackData})` : label;
}

/** Before any delivery report an agent message is PENDING (its command is written), then SENT (Sinch accepted it). */
const BEFORE_REPORTS = ['PENDING', 'SENT'];
const asDelivery = (status: string): DeliveryState => ({
  status,
  delivered: false,
  reason: null,
  switchReason: null,
});

/**
 * The next delivery status of an agent message: a late report never moves it back. The
 * order of Sinch's delivery reports is the domain's rule (nextDeliveryState); PENDING and
 * SENT come before every report, and never replace one.
 */
export function nextStatus(current: string | null, reported: string): string {
  if (current === null) return reported;
  const before = BEFORE_REPORTS.indexOf(current);
  const next = BEFORE_REPORTS.indexOf(reported);
  if (next >= 0) return before >= 0 && next > before ? reported : current;
  if (before >= 0) return reported;
  return nextDeliveryState(asDelivery(current), { status: reported }).status;
}

function emptyConversation(customerKey: string): ConversationView {
  return {
    customerKey,
    appId: '',
    contactId: '',
    conversationId: '',
    channel: '',
    reportedChannels: [],
    identity: '',
    displayName: null,
    label: '',
    attachedData: {},
    attachedDataError: null,
    consent: null,
    ended: false,
    notice: null,
    lastActivityAt: 0,
    messages: [],
    orphanStatuses: [],
  };
}

function emptyMessage(
  key: string,
  direction: MessageView['direction'],
  occurredAt: number,
): MessageView {
  return {
    key,
    id: null,
    commandId: null,
    direction,
    occurredAt,
    text: null,
    template: null,
    attachments: [],
    location: null,
    quoted: null,
    quoteHiddenReason: null,
    kind: null,
    choice: null,
    fields: {},
    choices: [],
    cardTitle: null,
    status: null,
    statusReason: null,
  };
}

/** Commands that are not messages: they never make a row. */
const ACTIONS = new Set(['END_CONVERSATION', 'REGISTER_OPT_IN', 'REGISTER_OPT_OUT']);

/** How the console names a customer: the label (display name or identity), never an internal key. */
export function customerLabel(c: ConversationView): string {
  return c.label || c.displayName || c.identity || 'unknown customer';
}

const TYPE_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

/** The type an agent's file is shown as, from its name (a command carries no content type). */
export function contentTypeOfName(fileName: string | null): string | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName ?? '')?.[1]?.toLowerCase();
  return (extension && TYPE_BY_EXTENSION[extension]) || null;
}

/** An action's outcome: consent registered, or the reason it failed, as the conversation's notice. */
function applyActionOutcome(
  c: ConversationView,
  o: Extract<ConsoleInput, { kind: 'outcome' }>['outcome'],
): ConversationView {
  if (o.outcome === 'SENT') {
    if (o.commandType === 'END_CONVERSATION') return { ...c, notice: null };
    return {
      ...c,
      notice: null,
      consent: {
        kind: o.commandType === 'REGISTER_OPT_IN' ? 'OPT_IN' : 'OPT_OUT',
        status: 'REGISTERED',
      },
    };
  }
  const what: Record<string, string> = {
    END_CONVERSATION: 'Ending the conversation',
    REGISTER_OPT_IN: 'Registering the opt-in',
    REGISTER_OPT_OUT: 'Registering the opt-out',
  };
  const reason = [o.errorCode, o.errorMessage].filter((s) => s).join(': ');
  return {
    ...c,
    notice: `${what[o.commandType] ?? o.commandType} failed (${o.outcome}): ${reason}`,
  };
}

const mergeAttachments = (
  current: AgentAttachment[],
  update: AgentAttachment[],
): AgentAttachment[] => {
  const merged = [...current];
  for (const a of update) {
    const i = merged.findIndex((m) => m.id === a.id);
    if (i < 0) merged.push(a);
    // A PENDING copy never replaces a READY/FAILED one (records of two topics may cross).
    else if (!(a.status === 'PENDING' && merged[i]!.status !== 'PENDING'))
      merged[i] = { ...merged[i]!, ...a };
  }
  return merged;
};

const findIndex = (c: ConversationView, id: string): number =>
  c.messages.findIndex((m) => m.id === id || m.commandId === id || m.key === id);

/** Puts `message` at `index` (or appends it), applies a status waiting for it, keeps the bound. */
function place(
  c: ConversationView,
  index: number,
  message: MessageView,
  limits: ViewLimits,
): ConversationView {
  const messages = [...c.messages];
  let m = message;
  let orphanStatuses = c.orphanStatuses;
  const waiting = orphanStatuses.find(([id]) => id === m.id || id === m.commandId);
  if (waiting) {
    m = {
      ...m,
      status: nextStatus(m.status, waiting[1].status),
      statusReason: waiting[1].reason ?? m.statusReason,
    };
    orphanStatuses = orphanStatuses.filter((o) => o !== waiting);
  }
  if (index < 0) messages.push(m);
  else messages[index] = m;
  return { ...c, messages: messages.slice(-limits.maxMessages), orphanStatuses };
}

function withStatus(
  c: ConversationView,
  messageId: string,
  status: string,
  reason: string | null,
  limits: ViewLimits,
): ConversationView {
  const i = findIndex(c, messageId);
  if (i < 0) {
    const orphanStatuses = [
      ...c.orphanStatuses.filter(([id]) => id !== messageId),
      [messageId, { status, reason }] as (typeof c.orphanStatuses)[number],
    ];
    return { ...c, orphanStatuses: orphanStatuses.slice(-limits.maxOrphanStatuses) };
  }
  const m = c.messages[i]!;
  const next = nextStatus(m.status, status);
  const messages = [...c.messages];
  messages[i] = {
    ...m,
    status: next,
    statusReason: next === m.status && reason === null ? m.statusReason : reason,
  };
  return { ...c, messages };
}

/** A command's outcome names its Sinch message: one row, whichever of the two came first. */
function linkSent(
  c: ConversationView,
  commandId: string,
  sinchMessageId: string,
): ConversationView {
  const ci = c.messages.findIndex((m) => m.commandId === commandId);
  const si = c.messages.findIndex((m) => m.id === sinchMessageId && m.commandId === null);
  if (ci < 0) return c;
  const command = c.messages[ci]!;
  const sent = si >= 0 ? c.messages[si]! : null;
  const merged: MessageView = {
    ...command,
    id: sinchMessageId,
    text: command.text ?? sent?.text ?? null,
    attachments: mergeAttachments(command.attachments, sent?.attachments ?? []),
    status: nextStatus(nextStatus(command.status, 'SENT'), sent?.status ?? 'SENT'),
    statusReason: sent?.statusReason ?? command.statusReason,
  };
  const messages = c.messages.map((m, i) => (i === ci ? merged : m)).filter((_m, i) => i !== si);
  return { ...c, messages };
}

function applyEvent(
  c0: ConversationView,
  input: Extract<ConsoleInput, { kind: 'event' }>,
  limits: ViewLimits,
): ConversationView {
  const e = input.event;
  const c: ConversationView = {
    ...c0,
    appId: e.appId || c0.appId,
    contactId: e.contactId || c0.contactId,
    conversationId: e.conversationId || c0.conversationId,
    channel: e.channel || c0.channel,
    reportedChannels:
      e.sourceChannel && !c0.reportedChannels.includes(e.sourceChannel)
        ? [...c0.reportedChannels, e.sourceChannel]
        : c0.reportedChannels,
    identity: e.customer.identity || c0.identity,
    displayName: e.customer.displayName ?? c0.displayName,
    label: e.customer.label || c0.label,
    attachedData:
      e.attachedData && e.type !== 'CONVERSATION_ENDED'
        ? { ...c0.attachedData, ...e.attachedData }
        : c0.attachedData,
    attachedDataError: e.attachedDataError ?? c0.attachedDataError,
    lastActivityAt: Math.max(c0.lastActivityAt, e.occurredAt),
  };
  switch (e.type) {
    case 'CONVERSATION_STARTED':
      // A new conversation of the same customer reopens the thread.
      return { ...c, ended: false };
    case 'CONVERSATION_ENDED':
      return { ...c, ended: true };
    case 'CONSENT_CHANGED':
      return e.consent ? { ...c, consent: e.consent } : c;
    case 'MESSAGE_STATUS':
      return e.status
        ? withStatus(c, e.status.messageId, e.status.status, e.status.reason, limits)
        : c;
    case 'MESSAGE_RECEIVED':
    case 'MESSAGE_SENT':
    case 'ATTACHMENT_READY':
    case 'ATTACHMENT_FAILED': {
      const m = e.message;
      if (!m) {
        // A customer's message without content (written before UNSUPPORTED callbacks got one):
        // still a row, so the agent learns that the customer sent something.
        if (e.type !== 'MESSAGE_RECEIVED' || findIndex(c, e.eventId) >= 0) return c;
        return place(
          c,
          -1,
          {
            ...emptyMessage(e.eventId, 'TO_APP', e.occurredAt),
            kind: 'UNSUPPORTED',
            text: 'The customer sent something that cannot be shown here.',
          },
          limits,
        );
      }
      const direction =
        e.type === 'MESSAGE_SENT' || m.direction === 'TO_CONTACT' ? 'TO_CONTACT' : 'TO_APP';
      const i = m.id ? findIndex(c, m.id) : -1;
      const current =
        i >= 0
          ? c.messages[i]!
          : { ...emptyMessage(m.id || e.eventId, direction, e.occurredAt), id: m.id || null };
      const attachmentOnly = e.type === 'ATTACHMENT_READY' || e.type === 'ATTACHMENT_FAILED';
      const next: MessageView = attachmentOnly
        ? { ...current, attachments: mergeAttachments(current.attachments, m.attachments) }
        : {
            ...current,
            text: m.text ?? current.text,
            attachments: mergeAttachments(current.attachments, m.attachments),
            location: m.location ?? current.location,
            quoted: m.quoted ?? current.quoted,
            quoteHiddenReason: m.quoteHiddenReason ?? current.quoteHiddenReason,
            kind: m.kind ?? current.kind,
            choice: m.choice ?? current.choice,
            fields: { ...current.fields, ...m.fields },
            status:
              direction === 'TO_CONTACT' ? nextStatus(current.status, 'SENT') : current.status,
          };
      return place(c, i, next, limits);
    }
    default:
      return c;
  }
}

/** One consumed record → the customer's next conversation view. */
export function reduceConversation(
  current: ConversationView | undefined,
  input: ConsoleInput,
  limits: ViewLimits = DEFAULT_LIMITS,
): ConversationView {
  const c = current ?? emptyConversation(input.customerKey);
  switch (input.kind) {
    case 'event':
      return applyEvent(c, input, limits);
    case 'command': {
      const cmd = input.command;
      if (ACTIONS.has(cmd.type)) return c;
      const i = c.messages.findIndex((m) => m.commandId === cmd.commandId);
      const base =
        i >= 0
          ? c.messages[i]!
          : {
              ...emptyMessage(`cmd:${cmd.commandId}`, 'TO_CONTACT', cmd.createdAt),
              commandId: cmd.commandId,
              status: 'PENDING',
            };
      const template = cmd.templateName
        ? {
            name: cmd.templateName,
            language: cmd.templateLanguage,
            parameters: cmd.templateParameters,
          }
        : null;
      const attachments: AgentAttachment[] = cmd.mediaUrl
        ? [
            {
              id: `cmd:${cmd.commandId}`,
              url: cmd.mediaUrl,
              fileName: cmd.fileName,
              contentType: contentTypeOfName(cmd.fileName),
              sizeBytes: null,
              status: 'READY',
            },
          ]
        : [];
      const next = {
        ...base,
        text: cmd.text ?? base.text,
        template: template ?? base.template,
        attachments: mergeAttachments(base.attachments, attachments),
        choices: (cmd.choices ?? []).map((ch) => ({ kind: ch.kind, title: ch.title })),
        cardTitle: cmd.title ?? null,
      };
      return {
        ...place(c, i, next, limits),
        lastActivityAt: Math.max(c.lastActivityAt, cmd.createdAt),
      };
    }
    case 'outcome': {
      const o = input.outcome;
      if (ACTIONS.has(o.commandType)) return applyActionOutcome(c, o);
      let v = c;
      if (!v.messages.some((m) => m.commandId === o.commandId)) {
        const row = {
          ...emptyMessage(`cmd:${o.commandId}`, 'TO_CONTACT', Date.parse(o.completedAt) || 0),
          commandId: o.commandId,
          text: o.text,
          status: 'PENDING',
        };
        v = place(
          v,
          -1,
          o.templateName
            ? { ...row, template: { name: o.templateName, language: null, parameters: {} } }
            : row,
          limits,
        );
      }
      if (o.outcome === 'SENT' && o.sinchMessageId)
        return linkSent(v, o.commandId, o.sinchMessageId);
      if (o.outcome === 'FAILED' || o.outcome === 'REJECTED') {
        const reason = [o.outcome, o.errorCode, o.errorMessage].filter((s) => s).join(': ');
        return withStatus(v, o.commandId, 'FAILED', reason, limits);
      }
      return v;
    }
  }
}
