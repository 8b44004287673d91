import {
  agentView,
  DEFAULT_QUOTE_MAX_AGE_MS,
  DEFAULT_QUOTE_MAX_TEXT_LENGTH,
  initialAgentState,
  type ConversationEvent,
  type Message,
} from '@cpm/domain';
import { sampleEvent, sampleMessage } from '@cpm/testkit';
import { loadProjectorConfig } from './config';
import { historyQuote, type QuoteColumns } from './history-quote';
import { projectionRows, type MessageRow } from './rows';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1, 10);

const sent = (id: string, atMs: number, extra: Partial<Message>) =>
  sampleEvent(
    {
      eventId: `e-${id}`,
      type: 'MESSAGE_SENT',
      message: sampleMessage({ direction: 'TO_CONTACT', author: 'AGENT', ...extra, id }),
    },
    atMs,
  );
const reply = (id: string, quoted: string, atMs: number, channel = 'WHATSAPP') =>
  sampleEvent(
    {
      eventId: `e-${id}`,
      type: 'MESSAGE_RECEIVED',
      channel,
      sourceChannel: channel,
      message: sampleMessage({ id, text: 'about that', replyToMessageId: quoted }),
    },
    atMs,
  );

/** Every case of the quoting rule, on one customer's log. */
const log: ConversationEvent[] = [
  sent('agent-long', T0, { text: 'x'.repeat(250) }),
  sent('prompt', T0, { text: 'Rate us', author: 'PROMPT' }),
  sent('error', T0, { text: 'Could not send', author: 'ERROR' }),
  sampleEvent(
    {
      eventId: 'e-own',
      type: 'MESSAGE_RECEIVED',
      message: sampleMessage({ id: 'own', text: 'mine' }),
    },
    T0,
  ),
  sent('agent-media', T0, {
    kind: 'MEDIA',
    media: {
      url: 'https://files.example/invoice.pdf',
      thumbnailUrl: null,
      fileName: 'invoice.pdf',
      caption: null,
    },
  }),
  sent('agent-old', T0 - 4 * 24 * HOUR, { text: 'last week' }),
  sent('agent-accepted', T0, {
    text: 'accepted long ago',
    acceptedAt: new Date(T0 - 4 * 24 * HOUR).toISOString(),
  }),
  reply('r-long', 'agent-long', T0 + HOUR),
  reply('r-prompt', 'prompt', T0 + HOUR),
  reply('r-error', 'error', T0 + HOUR),
  reply('r-own', 'own', T0 + HOUR),
  reply('r-media', 'agent-media', T0 + HOUR),
  reply('r-media-ig', 'agent-media', T0 + HOUR, 'INSTAGRAM'),
  reply('r-old', 'agent-old', T0 + HOUR),
  reply('r-accepted', 'agent-accepted', T0 + HOUR),
  reply('r-sms', 'agent-long', T0 + HOUR, 'SMS'),
  reply('r-unknown', 'nobody', T0 + HOUR),
];

/** The rows the history API reads: the reply joined with the message it names, as plans.conversationMessages selects them. */
function historyOf(events: ConversationEvent[]): Map<string, QuoteColumns> {
  const { messages } = projectionRows(
    events.map((event, i) => ({
      kind: 'event' as const,
      event,
      position: { log_topic: 'conversation.events.v1', log_partition: 0, log_offset: String(i) },
    })),
  );
  const byId = new Map<string, MessageRow>(messages.map((m) => [m.message_id, m]));
  const out = new Map<string, QuoteColumns>();
  for (const m of messages) {
    const q = m.reply_to_message_id ? byId.get(m.reply_to_message_id) : undefined;
    const content = q
      ? (JSON.parse(q.content) as { media: QuoteColumns['q_media']; acceptedAt: string | null })
      : null;
    out.set(m.message_id, {
      reply_to_message_id: m.reply_to_message_id,
      direction: m.direction,
      channel: m.channel,
      occurred_at: new Date(m.occurred_at),
      q_message_id: q?.message_id ?? null,
      q_author: q?.author ?? null,
      q_text: q?.text ?? null,
      q_occurred_at: q ? new Date(q.occurred_at) : null,
      q_accepted_at: content?.acceptedAt ?? null,
      q_media: content?.media ?? null,
    });
  }
  return out;
}

describe('the history shows a reply’s quote by the live view’s rule', () => {
  const options = {
    quoteMaxAgeMs: DEFAULT_QUOTE_MAX_AGE_MS,
    quoteMaxTextLength: DEFAULT_QUOTE_MAX_TEXT_LENGTH,
    knownMessages: 500,
    knownStatuses: 500,
  };
  let state = initialAgentState();
  const live = new Map<string, { quoted: unknown; reason: unknown }>();
  for (const event of log) {
    const result = agentView(event, state, options);
    state = result.state;
    for (const e of result.events)
      if (e.type === 'MESSAGE_RECEIVED' && e.message?.id.startsWith('r-'))
        live.set(e.message.id, { quoted: e.message.quoted, reason: e.message.quoteHiddenReason });
  }
  const history = historyOf(log);

  it.each([
    ['r-long', null],
    ['r-prompt', 'NOT_AGENT_MESSAGE'],
    ['r-error', 'NOT_AGENT_MESSAGE'],
    ['r-own', 'NOT_AGENT_MESSAGE'],
    ['r-media', null],
    ['r-media-ig', 'INSTAGRAM_MEDIA'],
    ['r-old', 'TOO_OLD'],
    ['r-accepted', 'TOO_OLD'],
    ['r-sms', 'CHANNEL_NOT_SUPPORTED'],
    ['r-unknown', 'UNKNOWN_MESSAGE'],
  ])('%s: %s', (id, reason) => {
    const shown = historyQuote(history.get(id)!);
    const seen = live.get(id)!;
    expect(shown.quoteHiddenReason).toBe(reason);
    expect(seen.reason).toBe(reason);
    if (reason !== null) {
      expect(shown.quoted).toBeNull();
      return;
    }
    const q = seen.quoted as {
      messageId: string;
      text: string | null;
      truncated: boolean;
      attachment: { url: string; fileName: string | null; contentType: string | null } | null;
    };
    expect(shown.quoted).toEqual({
      messageId: q.messageId,
      text: q.text,
      truncated: q.truncated,
      attachment: q.attachment && {
        url: q.attachment.url,
        fileName: q.attachment.fileName,
        contentType: q.attachment.contentType,
      },
    });
  });

  it('cuts a long quoted text as the live view does, and types a quoted file by its name', () => {
    expect(historyQuote(history.get('r-long')!).quoted).toMatchObject({
      text: 'x'.repeat(200),
      truncated: true,
    });
    expect(historyQuote(history.get('r-media')!).quoted!.attachment).toEqual({
      url: 'https://files.example/invoice.pdf',
      fileName: 'invoice.pdf',
      contentType: 'application/pdf',
    });
  });

  it('follows the deployment’s QUOTE_* settings (agent-events reads the same two)', () => {
    const env = { QUOTE_MAX_AGE_MS: String(30 * 60_000), QUOTE_MAX_TEXT_LENGTH: '5' };
    const projector = loadProjectorConfig(env);
    const settings = {
      maxAgeMs: projector.QUOTE_MAX_AGE_MS,
      maxTextLength: projector.QUOTE_MAX_TEXT_LENGTH,
    };
    // The reply came an hour after the message: too old for a 30-minute setting.
    expect(historyQuote(history.get('r-long')!, settings).quoteHiddenReason).toBe('TOO_OLD');
    const longer = historyQuote(history.get('r-long')!, { ...settings, maxAgeMs: 2 * HOUR });
    expect(longer.quoted).toMatchObject({ text: 'xxxxx', truncated: true });
    // The old agent-events name stops the projector instead of being ignored.
    expect(() => loadProjectorConfig({ AGENT_EVENTS_QUOTE_MAX_TEXT_LENGTH: '5' })).toThrow(
      /renamed QUOTE_MAX_TEXT_LENGTH/,
    );
  });

  it('says nothing for a message that quotes nothing', () => {
    expect(historyQuote({ ...history.get('r-long')!, reply_to_message_id: null })).toEqual({
      quoted: null,
      quoteHiddenReason: null,
    });
  });
});
