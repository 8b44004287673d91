import type { AgentEvent, MediaOutcome } from '@cpm/contracts';
import { avroErrors, agentSends, customerSays, DAY, sameCustomer, T0 } from '@cpm/testkit';
import { initialAgentState, type AgentState } from './agent-state';
import { agentView, type AgentViewOptions } from './agent-view';
import { attachmentIdOf } from './event-id';
import type { ConversationEvent } from '@cpm/contracts';
import { mediaView } from './media-view';
import { correct, emptyMmsState } from './mms-correction';
import { mmsConfig } from './mms-config';

const options: AgentViewOptions = {
  quoteMaxAgeMs: 3 * DAY,
  quoteMaxTextLength: 200,
  knownMessages: 500,
  knownStatuses: 500,
};

/** Folds events through the view, as the service does per customer key; every output must fit the Avro contract. */
function run(
  events: ConversationEvent[],
  state: AgentState = initialAgentState(),
): { state: AgentState; out: AgentEvent[] } {
  const out: AgentEvent[] = [];
  for (const event of events) {
    const result = agentView(event, state, options);
    state = result.state;
    for (const e of result.events) {
      expect(avroErrors('agent.events.v1.avsc', e)).toEqual([]);
      out.push(e);
    }
  }
  return { state, out };
}
const last = (events: ConversationEvent[]): AgentEvent => run(events).out.at(-1)!;

describe('customer label (docs/DOMAIN.md#display-names)', () => {
  it('is the WhatsApp display name from CONTACT_CREATED, on every later event', () => {
    const first = customerSays({ id: 'wa-1', channel: 'WHATSAPP', identity: '46700000001' });
    const created = sameCustomer(first, {
      eventId: 'c1',
      type: 'CONTACT_CREATED',
      contact: {
        id: first.contactId,
        displayName: 'Ann Andersson',
        identities: [],
        mergedFromContactId: null,
      },
    });
    const e = last([created, first]);
    expect(e.customer).toEqual({
      identity: '+46700000001',
      displayName: 'Ann Andersson',
      label: 'Ann Andersson',
    });
  });

  it('ignores the placeholder Unknown and falls back to the identity (Instagram IGSID)', () => {
    const first = customerSays({ id: 'ig-1', channel: 'INSTAGRAM', identity: '17841400000001' });
    const created = sameCustomer(first, {
      eventId: 'c2',
      type: 'CONTACT_CREATED',
      contact: {
        id: first.contactId,
        displayName: 'Unknown',
        identities: [],
        mergedFromContactId: null,
      },
    });
    expect(last([created, first]).customer).toEqual({
      identity: '17841400000001',
      displayName: null,
      label: '17841400000001',
    });
  });

  it('is kept when a later CONTACT_UPDATED says Unknown', () => {
    const first = customerSays({ id: 'wa-2', channel: 'WHATSAPP', identity: '46700000002' });
    const contact = (displayName: string) => ({
      id: first.contactId,
      displayName,
      identities: [],
      mergedFromContactId: null,
    });
    const e = last([
      sameCustomer(first, { eventId: 'c3', type: 'CONTACT_CREATED', contact: contact('Bo') }),
      sameCustomer(first, { eventId: 'c4', type: 'CONTACT_UPDATED', contact: contact('Unknown') }),
      first,
    ]);
    expect(e.customer.label).toBe('Bo');
  });
});

describe('quoting (docs/DOMAIN.md#quoting)', () => {
  const wa = { channel: 'WHATSAPP', identity: '46700000010' };
  const key = 'app1:contact-46700000010';
  const quote = (history: ConversationEvent[], reply: ConversationEvent) =>
    last([...history, reply]).message!;

  it('shows a WhatsApp quote of an agent message 2 days old', () => {
    const sent = agentSends({
      ...wa,
      sinchMessageId: 'ag-1',
      atMs: T0,
      text: 'Your order ships Monday',
      customerKey: key,
    });
    const m = quote(
      [sent],
      customerSays({ ...wa, id: 'r-1', atMs: T0 + 2 * DAY, replyTo: 'ag-1', text: 'ok' }),
    );
    expect(m.quoted).toEqual({
      messageId: 'ag-1',
      text: 'Your order ships Monday',
      truncated: false,
      attachment: null,
    });
    expect(m.quoteHiddenReason).toBeNull();
    expect(m.text).toBe('ok');
  });

  it('does not show one 4 days old, and says why', () => {
    const sent = agentSends({ ...wa, sinchMessageId: 'ag-2', atMs: T0, customerKey: key });
    const m = quote(
      [sent],
      customerSays({ ...wa, id: 'r-2', atMs: T0 + 4 * DAY, replyTo: 'ag-2' }),
    );
    expect(m.quoted).toBeNull();
    expect(m.quoteHiddenReason).toBe('TOO_OLD');
  });

  it("does not show the customer's own message", () => {
    const own = customerSays({ ...wa, id: 'own-1', atMs: T0, text: 'my first message' });
    const m = quote([own], customerSays({ ...wa, id: 'r-3', atMs: T0 + 60_000, replyTo: 'own-1' }));
    expect([m.quoted, m.quoteHiddenReason]).toEqual([null, 'NOT_AGENT_MESSAGE']);
  });

  it("remembers a customer's or a prompt's message without its text: it is never shown", () => {
    const own = customerSays({ ...wa, id: 'own-2', atMs: T0, text: 'my card number is 1234' });
    const prompt = agentSends({
      ...wa,
      sinchMessageId: 'pr-2',
      atMs: T0,
      author: 'PROMPT',
      text: 'All agents are busy',
      customerKey: key,
    });
    const sent = agentSends({
      ...wa,
      sinchMessageId: 'ag-3',
      atMs: T0,
      text: 'Hi',
      customerKey: key,
    });
    const { state } = run([own, prompt, sent]);
    expect(state.messages.map((k) => [k.messageId, k.author, k.text])).toEqual([
      ['own-2', 'CUSTOMER', null],
      ['pr-2', 'PROMPT', null],
      ['ag-3', 'AGENT', 'Hi'],
    ]);
  });

  it('does not show a PROMPT message', () => {
    const prompt = agentSends({
      ...wa,
      sinchMessageId: 'pr-1',
      atMs: T0,
      author: 'PROMPT',
      text: 'All agents are busy',
      customerKey: key,
    });
    const m = quote(
      [prompt],
      customerSays({ ...wa, id: 'r-4', atMs: T0 + 60_000, replyTo: 'pr-1' }),
    );
    expect([m.quoted, m.quoteHiddenReason]).toEqual([null, 'NOT_AGENT_MESSAGE']);
  });

  it('does not show an Instagram quote of an agent image', () => {
    const ig = { channel: 'INSTAGRAM', identity: '17841400000002' };
    const image = agentSends({
      ...ig,
      sinchMessageId: 'img-1',
      atMs: T0,
      text: null,
      mediaUrl: 'https://pub.example/a/x.png',
      customerKey: 'app1:contact-17841400000002',
    });
    const m = quote(
      [image],
      customerSays({ ...ig, id: 'r-5', atMs: T0 + 60_000, replyTo: 'img-1' }),
    );
    expect([m.quoted, m.quoteHiddenReason]).toEqual([null, 'INSTAGRAM_MEDIA']);
  });

  it('shows a Messenger quote of an agent PDF as the attachment', () => {
    const ms = { channel: 'MESSENGER', identity: 'PSID77' };
    const pdf = agentSends({
      ...ms,
      sinchMessageId: 'pdf-1',
      atMs: T0,
      text: null,
      mediaUrl: 'https://pub.example/a/k1',
      fileName: 'invoice.pdf',
      customerKey: 'app1:contact-PSID77',
    });
    const m = quote([pdf], customerSays({ ...ms, id: 'r-6', atMs: T0 + DAY, replyTo: 'pdf-1' }));
    expect(m.quoted).toEqual({
      messageId: 'pdf-1',
      text: null,
      truncated: false,
      attachment: {
        id: 'pdf-1',
        contentType: 'application/pdf',
        url: 'https://pub.example/a/k1',
        fileName: 'invoice.pdf',
        sizeBytes: null,
        status: 'READY',
      },
    });
  });

  it('shows the beginning of a 1,000-character agent message, truncated', () => {
    const long = 'é'.repeat(400) + 'x'.repeat(600);
    const sent = agentSends({
      ...wa,
      sinchMessageId: 'long-1',
      atMs: T0,
      text: long,
      customerKey: key,
    });
    const { state, out } = run([
      sent,
      customerSays({ ...wa, id: 'r-7', atMs: T0 + 1000, replyTo: 'long-1' }),
    ]);
    expect(out[1]!.message!.quoted).toMatchObject({
      messageId: 'long-1',
      text: 'é'.repeat(200),
      truncated: true,
    });
    // The state keeps only what quoting needs.
    expect(Array.from(state.messages.find((m) => m.messageId === 'long-1')!.text!)).toHaveLength(
      201,
    );
  });

  it('does not show a quote on SMS', () => {
    const sms = { channel: 'SMS', identity: '15550001111' };
    const sent = agentSends({
      ...sms,
      sinchMessageId: 'sms-1',
      atMs: T0,
      customerKey: 'app1:tel:+15550001111',
    });
    const m = quote([sent], customerSays({ ...sms, id: 'r-8', atMs: T0 + 1000, replyTo: 'sms-1' }));
    expect([m.quoted, m.quoteHiddenReason]).toEqual([null, 'CHANNEL_NOT_SUPPORTED']);
  });

  it('does not show an unknown message', () => {
    const m = last([customerSays({ ...wa, id: 'r-9', replyTo: 'never-seen' })]).message!;
    expect([m.quoted, m.quoteHiddenReason]).toEqual([null, 'UNKNOWN_MESSAGE']);
  });
});

describe('attached data (docs/DOMAIN.md#attached-data)', () => {
  const wa = { channel: 'WHATSAPP', identity: '46700000020' };
  it('prefers message.metadata over top-level message_metadata', () => {
    const e = last([
      customerSays({
        ...wa,
        id: 'm-1',
        metadata: '{"orderId":"42"}',
        topLevelMetadata: '{"other":"x"}',
      }),
    ]);
    expect([e.attachedData, e.attachedDataError]).toEqual([{ orderId: '42' }, null]);
  });
  it('uses top-level message_metadata when message.metadata is absent', () => {
    expect(
      last([customerSays({ ...wa, id: 'm-2', topLevelMetadata: '{"queue":"vip","prio":3}' })])
        .attachedData,
    ).toEqual({ queue: 'vip', prio: '3' });
  });
  it('does not attach invalid JSON, says why, and the message still reaches the agent', () => {
    const e = last([
      customerSays({ ...wa, id: 'm-3', text: 'still here', metadata: '{orderId: 42' }),
    ]);
    expect(e.type).toBe('MESSAGE_RECEIVED');
    expect(e.message!.text).toBe('still here');
    expect(e.attachedData).toEqual({});
    expect(e.attachedDataError).toMatch(/not valid JSON/);
  });
});

describe('conversation lifecycle, consent (docs/DOMAIN.md#conversation-lifecycle, docs/DOMAIN.md#consent)', () => {
  const first = customerSays({
    id: 'l-1',
    channel: 'WHATSAPP',
    identity: '46700000030',
    metadata: '{"orderId":"42"}',
  });
  it('CONVERSATION_START → CONVERSATION_STARTED; CONVERSATION_STOP → CONVERSATION_ENDED with no attachedData', () => {
    const { out } = run([
      sameCustomer(first, {
        eventId: 's-1',
        type: 'CONVERSATION_STARTED',
        attachedData: first.attachedData,
      }),
      first,
      sameCustomer(first, {
        eventId: 's-2',
        type: 'CONVERSATION_STOPPED',
        attachedData: first.attachedData,
      }),
    ]);
    expect(out.map((e) => e.type)).toEqual([
      'CONVERSATION_STARTED',
      'MESSAGE_RECEIVED',
      'CONVERSATION_ENDED',
    ]);
    expect(out[0]!.attachedData).toEqual({ orderId: '42' });
    expect(out[2]!.attachedData).toBeNull();
  });
  it('OPT_IN → CONSENT_CHANGED', () => {
    const consent = {
      kind: 'OPT_IN' as const,
      status: 'OPT_IN_SUCCEEDED',
      requestId: 'q',
      errorDescription: null,
    };
    expect(
      last([sameCustomer(first, { eventId: 'o-1', type: 'CONSENT_CHANGED', consent })]).consent,
    ).toEqual({ kind: 'OPT_IN', status: 'OPT_IN_SUCCEEDED' });
  });
});

describe('MMS correction (docs/DOMAIN.md#mms-channel-correction)', () => {
  it('shows an MMS thread and its SMS-reported replies on MMS, in one conversation', () => {
    const config = mmsConfig({ mmsAppIds: [], mmsBusinessNumbers: [], idleTimeoutMs: DAY });
    const picture = customerSays({
      id: 'mms-1',
      channel: 'MMS',
      identity: '15550002222',
      contactMessage: { media_message: { url: 'https://cdn.example/p.jpg' } },
    });
    const reply = customerSays({
      id: 'sms-2',
      channel: 'SMS',
      identity: '15550002222',
      atMs: T0 + 60_000,
      contactId: 'other-contact',
    });
    let mms = emptyMmsState();
    const corrected: ConversationEvent[] = [];
    for (const e of [picture, reply]) {
      const r = correct(mms, e, config);
      mms = r.state;
      corrected.push(...r.events.filter((x) => x.type !== 'CHANNEL_CORRECTED'));
    }
    const { out } = run(corrected);
    expect(out.map((e) => [e.type, e.channel, e.conversationId])).toEqual([
      ['MESSAGE_RECEIVED', 'MMS', picture.conversationId],
      ['MESSAGE_RECEIVED', 'MMS', picture.conversationId],
    ]);
    expect(out.map((e) => e.sourceChannel)).toEqual(['MMS', 'SMS']);
  });
});

describe('message content and media (docs/DOMAIN.md#message-content, docs/DOMAIN.md#media)', () => {
  const wa = { channel: 'WHATSAPP', identity: '46700000040' };
  it('lists customer media as PENDING, then ATTACHMENT_READY / ATTACHMENT_FAILED name the same attachment', () => {
    const media = customerSays({
      ...wa,
      id: 'md-1',
      contactMessage: {
        media_card_message: { url: 'https://cdn.example/v.ogg', caption: 'listen' },
      },
    });
    const { state, out } = run([media]);
    const pending = out[0]!.message!.attachments;
    expect(pending).toEqual([
      {
        id: attachmentIdOf(media.eventId, 0),
        contentType: null,
        url: null,
        fileName: null,
        sizeBytes: null,
        status: 'PENDING',
      },
    ]);
    expect(out[0]!.message!.text).toBe('listen');
    const outcome: MediaOutcome = {
      eventId: 'mo-1',
      attachmentId: pending[0]!.id,
      sourceEventId: media.eventId,
      messageId: 'md-1',
      customerKey: media.customerKey,
      appId: media.appId,
      conversationId: media.conversationId,
      contactId: media.contactId,
      status: 'READY',
      sourceUrl: 'https://cdn.example/v.ogg',
      storageKey: 'ab12',
      sha256: 'ab12',
      sizeBytes: 1234,
      contentType: 'audio/ogg',
      fileName: 'v.ogg',
      reason: null,
      occurredAt: T0,
    };
    const ready = mediaView(outcome, state, 'http://media.local/media/');
    expect(avroErrors('agent.events.v1.avsc', ready)).toEqual([]);
    expect(ready).toMatchObject({
      type: 'ATTACHMENT_READY',
      channel: 'WHATSAPP',
      customer: { label: '+46700000040' },
    });
    expect(ready.message!.attachments).toEqual([
      {
        id: pending[0]!.id,
        contentType: 'audio/ogg',
        url: 'http://media.local/media/ab12',
        fileName: 'v.ogg',
        sizeBytes: 1234,
        status: 'READY',
      },
    ]);
    const failed = mediaView(
      { ...outcome, eventId: 'mo-2', status: 'FAILED', storageKey: null, reason: 'TOO_LARGE' },
      state,
      'http://media.local/media',
    );
    expect(failed).toMatchObject({
      type: 'ATTACHMENT_FAILED',
      status: { messageId: 'md-1', status: 'FAILED', reason: 'TOO_LARGE' },
    });
    expect(failed.message!.attachments[0]).toMatchObject({ status: 'FAILED', url: null });
    expect(failed.eventId).not.toBe(ready.eventId);
  });
  it('passes a location on', () => {
    const loc = customerSays({
      ...wa,
      id: 'loc-1',
      contactMessage: {
        location_message: {
          title: 'Office',
          label: 'Stockholm',
          coordinates: { latitude: 59.3, longitude: 18.1 },
        },
      },
    });
    expect(last([loc]).message!.location).toEqual({
      latitude: 59.3,
      longitude: 18.1,
      title: 'Office',
      label: 'Stockholm',
    });
  });
  it('shows agent messages as MESSAGE_SENT with the agent direction', () => {
    const e = last([
      agentSends({
        ...wa,
        sinchMessageId: 'ag-9',
        atMs: T0,
        text: 'Hi, Ann here',
        customerKey: 'app1:contact-46700000040',
      }),
    ]);
    expect(e).toMatchObject({
      type: 'MESSAGE_SENT',
      occurredAt: T0,
      message: { id: 'ag-9', direction: 'TO_CONTACT', text: 'Hi, Ann here' },
    });
  });
});

describe('delivery status (docs/DOMAIN.md#delivery-status)', () => {
  const sent = agentSends({
    channel: 'WHATSAPP',
    identity: '46700000050',
    sinchMessageId: 'st-1',
    atMs: T0,
    customerKey: 'app1:contact-46700000050',
  });
  const report = (n: number, status: string, reasonCode: string | null = null) =>
    sameCustomer(sent, {
      eventId: `r${n}`,
      type: 'MESSAGE_STATUS',
      status: {
        messageId: 'st-1',
        status,
        reasonCode,
        reasonDescription: null,
        subCode: null,
        channelCode: null,
      },
    });
  const statuses = (...events: ConversationEvent[]) =>
    run([sent, ...events])
      .out.filter((e) => e.type === 'MESSAGE_STATUS')
      .map((e) => e.status);

  it('never moves back from READ, and drops reports that change nothing', () => {
    expect(
      statuses(
        report(1, 'DELIVERED'),
        report(2, 'READ'),
        report(3, 'DELIVERED'),
        report(4, 'QUEUED_ON_CHANNEL'),
        report(5, 'READ'),
      ),
    ).toEqual([
      { messageId: 'st-1', status: 'DELIVERED', reason: null },
      { messageId: 'st-1', status: 'READ', reason: null },
    ]);
  });
  it('never moves back from FAILED', () => {
    expect(
      statuses(
        report(1, 'FAILED', 'RECIPIENT_NOT_REACHABLE'),
        report(2, 'DELIVERED'),
        report(3, 'READ'),
      ).map((s) => s!.status),
    ).toEqual(['FAILED']);
  });
  it('shows SWITCHING_CHANNEL with its reason, then the next channel', () => {
    expect(
      statuses(
        report(1, 'SWITCHING_CHANNEL', 'CHANNEL_FAILURE'),
        report(2, 'QUEUED_ON_CHANNEL'),
        report(3, 'READ'),
      ),
    ).toEqual([
      { messageId: 'st-1', status: 'SWITCHING_CHANNEL', reason: 'CHANNEL_FAILURE' },
      { messageId: 'st-1', status: 'QUEUED_ON_CHANNEL', reason: null },
      { messageId: 'st-1', status: 'READ', reason: null },
    ]);
  });
  it('shows a failed send as FAILED with the error', () => {
    const failed = sameCustomer(sent, {
      eventId: 'f1',
      type: 'MESSAGE_SEND_FAILED',
      status: {
        messageId: 'st-1',
        status: 'REJECTED',
        reasonCode: 'WINDOW_CLOSED',
        reasonDescription: 'outside 24 h',
        subCode: null,
        channelCode: null,
      },
    });
    expect(statuses(failed, report(2, 'DELIVERED'))).toEqual([
      { messageId: 'st-1', status: 'FAILED', reason: 'WINDOW_CLOSED' },
    ]);
  });
});

describe('determinism and state', () => {
  it('gives the same events with the same eventIds for the same log, distinct per type and source', () => {
    const log = [
      customerSays({ id: 'd-1', channel: 'WHATSAPP', identity: '46700000060' }),
      agentSends({
        channel: 'WHATSAPP',
        identity: '46700000060',
        sinchMessageId: 'd-2',
        atMs: T0,
        customerKey: 'app1:contact-46700000060',
      }),
    ];
    const a = run(log).out;
    const b = run(JSON.parse(JSON.stringify(log)) as ConversationEvent[]).out;
    expect(b).toEqual(a);
    expect(new Set(a.map((e) => e.eventId)).size).toBe(2);
  });
  it('keeps a bounded, JSON-serializable state', () => {
    const wa = { channel: 'WHATSAPP', identity: '46700000070' };
    const log = Array.from({ length: 520 }, (_, i) =>
      customerSays({ ...wa, id: `b-${i}`, text: 'y'.repeat(1000) }),
    );
    const { state } = run(log);
    expect(state.messages).toHaveLength(500);
    expect(state.messages[0]!.messageId).toBe('b-20');
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(JSON.stringify(state).length).toBeLessThan(200_000);
  });
});
