import type { AgentEvent, AgentMessage, ConversationEvent } from '@cpm/contracts';
import {
  avroErrors,
  callbackFixture,
  contentFixture,
  DAY,
  expectWellFormedEvent,
  inbound,
  normalizedEvent,
} from '@cpm/testkit';
import { initialAgentState, type AgentState } from './agent-state';
import { agentView, type AgentViewOptions } from './agent-view';

const options: AgentViewOptions = {
  quoteMaxAgeMs: 3 * DAY,
  quoteMaxTextLength: 200,
  knownMessages: 500,
  knownStatuses: 500,
};

/** Normalizes callbacks and folds them through the agent view; every output must fit the Avro contract. */
function view(bodies: Buffer[], state: AgentState = initialAgentState()): AgentEvent[] {
  const out: AgentEvent[] = [];
  for (const body of bodies) {
    const event = normalizedEvent(body);
    expectWellFormedEvent(event);
    const result = agentView(event, state, options);
    state = result.state;
    for (const e of result.events) {
      expect(avroErrors('agent.events.v1.avsc', e)).toEqual([]);
      out.push(e);
    }
  }
  return out;
}
/** The message of the one MESSAGE_RECEIVED the bodies give. */
function received(...bodies: Buffer[]): AgentMessage {
  const events = view(bodies).filter((e) => e.type === 'MESSAGE_RECEIVED');
  expect(events).toHaveLength(1);
  return events[0]!.message!;
}
const body = (value: object): Buffer => Buffer.from(JSON.stringify(value));

describe('what the agent reads of each kind of customer content (docs/DOMAIN.md#what-the-agent-reads)', () => {
  it('text: as sent', () => {
    expect(received(callbackFixture('message-inbound.json'))).toMatchObject({
      kind: 'TEXT',
      text: 'Hello, where is my parcel?',
      contentJson: null,
    });
  });

  it('media: an attachment, no text', () => {
    const m = received(contentFixture('media.json'));
    expect(m).toMatchObject({ kind: 'MEDIA', text: null });
    expect(m.attachments).toEqual([
      expect.objectContaining({ fileName: 'voice-note.ogg', status: 'PENDING' }),
    ]);
  });

  it('media card: the attachment and its caption as text', () => {
    const m = received(contentFixture('media-card.json'));
    expect(m).toMatchObject({ kind: 'MEDIA_CARD', text: 'Is this jacket back in stock?' });
    expect(m.attachments).toHaveLength(1);
  });

  it('location: the location, no text', () => {
    expect(received(contentFixture('location.json'))).toMatchObject({
      kind: 'LOCATION',
      text: null,
      location: {
        latitude: 59.3326,
        longitude: 18.0649,
        title: 'Pickup point',
        label: 'Drottninggatan 1, Stockholm',
      },
    });
  });

  it('choice response: the chosen option title, when the offering message was seen', () => {
    const m = received(
      contentFixture('choice-offer-submit.json'),
      contentFixture('choice-response.json'),
    );
    expect(m).toMatchObject({
      kind: 'CHOICE_RESPONSE',
      text: 'Tuesday afternoon',
      choice: {
        messageId: '01JQ7CPMMSG00000000000MT05',
        postbackData: 'SLOT_TUESDAY',
        title: 'Tuesday afternoon',
      },
    });
  });

  it('choice response: the postback when the offering message is unknown', () => {
    expect(received(contentFixture('choice-response.json'))).toMatchObject({
      kind: 'CHOICE_RESPONSE',
      text: 'SLOT_TUESDAY',
      choice: { postbackData: 'SLOT_TUESDAY', title: null },
    });
  });

  it("choice response: the title in Sinch's default postback (<message id>_<title>)", () => {
    const m = received(
      body(
        inbound({
          id: 'wa-choice-2',
          channel: 'WHATSAPP',
          contactMessage: {
            choice_response_message: { message_id: 'mt-9', postback_data: 'mt-9_Yes, please' },
          },
        }),
      ),
    );
    expect(m).toMatchObject({
      text: 'Yes, please',
      choice: { messageId: 'mt-9', title: 'Yes, please' },
    });
  });

  it('product response: the free text and one line per product, and the products', () => {
    const m = received(contentFixture('product-response.json'));
    expect(m.kind).toBe('PRODUCT_RESPONSE');
    expect(m.text).toBe(
      'Can you deliver these on Friday?\nCart:\n2 × sku-1001 at 12.5 EUR\n1 × sku-2002 at 40 EUR',
    );
    expect(m.products).toEqual([
      { id: 'sku-1001', marketplace: 'FACEBOOK', quantity: 2, itemPrice: 12.5, currency: 'EUR' },
      { id: 'sku-2002', marketplace: 'FACEBOOK', quantity: 1, itemPrice: 40, currency: 'EUR' },
    ]);
    expect(m.fields).toEqual({ catalogId: 'catalog-77' });
  });

  it('fallback: the raw message when there is one, else the reason', () => {
    const m = received(contentFixture('fallback.json'));
    expect(m).toMatchObject({
      kind: 'FALLBACK',
      text: 'Message the channel could not convert (UNSUPPORTED_OPERATION: Polls are not supported)',
      fields: { reason: 'UNSUPPORTED_OPERATION', reasonDescription: 'Polls are not supported' },
    });
    const withRaw = received(
      body(
        inbound({
          id: 'fb-raw',
          contactMessage: {
            fallback_message: { raw_message: '{"poll":"A or B"}', reason: { code: 'UNKNOWN' } },
          },
        }),
      ),
    );
    expect(withRaw.text).toBe('{"poll":"A or B"}');
  });

  it('WhatsApp Flows reply: every answer as a field and a line, the reply as sent', () => {
    const m = received(contentFixture('flow-reply.json'));
    expect(m.kind).toBe('CHANNEL_SPECIFIC');
    expect(m.fields).toEqual({
      flow_token: 'cpm-flow-12',
      appointment_date: '2025-03-18',
      party_size: '4',
    });
    expect(m.text).toBe(
      'Form reply (flow)\nSent\nflow_token: cpm-flow-12\nappointment_date: 2025-03-18\nparty_size: 4',
    );
    expect(JSON.parse(m.contentJson!)).toMatchObject({ message_type: 'nfm_reply' });
  });

  it('contact info: the shared contact as fields and lines', () => {
    const m = received(contentFixture('contact-info.json'));
    expect(m.kind).toBe('CONTACT_INFO');
    expect(m.fields).toEqual({
      name: 'Erik Berg',
      phoneNumbers: '+46709998877',
      emailAddresses: 'erik.berg@example.com',
      organization: 'Berg Bygg AB, Site manager',
    });
    expect(m.text).toBe(
      'Shared a contact:\nErik Berg\n+46709998877\nerik.berg@example.com\nBerg Bygg AB, Site manager',
    );
    expect(JSON.parse(m.contentJson!)).toMatchObject({ name: { full_name: 'Erik Berg' } });
  });

  it('an unknown variant: says so, and carries the content as sent', () => {
    const m = received(
      body(inbound({ id: 'x-1', contactMessage: { hologram_message: { depth: 3 } } })),
    );
    expect(m.kind).toBe('UNKNOWN');
    expect(m.text).toMatch(/kind this system does not know/);
    expect(JSON.parse(m.contentJson!)).toEqual({ hologram_message: { depth: 3 } });
  });

  it('UNSUPPORTED (an Instagram voice note): a message with what arrived and why it is not shown', () => {
    const m = received(contentFixture('unsupported-instagram-audio.json'));
    expect(m).toMatchObject({
      id: '01JQ7CPMUNS00000000000UN02',
      direction: 'TO_APP',
      kind: 'UNSUPPORTED',
      fields: {
        reason: 'UNSUPPORTED_BY_CONVERSATION_API',
        channel: 'INSTAGRAM',
        contentType: 'audio',
      },
    });
    expect(m.text).toBe(
      'Content the Conversation API cannot convert arrived on INSTAGRAM (audio); it cannot be shown here.',
    );
    expect(JSON.parse(m.contentJson!)).toMatchObject({ object: 'instagram' });
  });

  it('UNSUPPORTED of the project fixture (a Messenger-style echo) is readable too', () => {
    const m = received(callbackFixture('unsupported.json'));
    expect(m.text).toMatch(/\(echo of a business message\)/);
  });

  it('an app message that offers no choice is not remembered as an offer', () => {
    const submit = normalizedEvent(callbackFixture('message-submit.json'));
    expect(submit.detailsJson).toBeNull();
    expect(agentView(submit, initialAgentState(), options).state.offers).toEqual([]);
  });
});

describe('one CONVERSATION_ENDED per conversation (docs/DOMAIN.md#conversation-lifecycle)', () => {
  const stop = (eventId: string, conversationId: string): ConversationEvent => ({
    ...normalizedEvent(callbackFixture('conversation-stop.json')),
    eventId,
    conversationId,
  });
  const start = (eventId: string, conversationId: string): ConversationEvent => ({
    ...normalizedEvent(callbackFixture('conversation-start.json')),
    eventId,
    conversationId,
  });
  const fold = (events: ConversationEvent[]): AgentEvent[] => {
    let state = initialAgentState();
    const out: AgentEvent[] = [];
    for (const e of events) {
      const r = agentView(e, state, options);
      state = r.state;
      out.push(...r.events);
    }
    return out;
  };
  const ended = (events: ConversationEvent[]) =>
    fold(events).filter((e) => e.type === 'CONVERSATION_ENDED');

  it("an agent's end (our send's outcome) then Sinch's stop of the same conversation: one", () => {
    const out = ended([stop('ours', 'cv-1'), stop('sinch', 'cv-1')]);
    const first = agentView(stop('ours', 'cv-1'), initialAgentState(), options);
    expect(agentView(stop('sinch', 'cv-1'), first.state, options)).toMatchObject({
      events: [],
      endRepeated: true,
    });
    expect(out).toHaveLength(1);
    expect(out[0]!.attachedData).toBeNull();
  });

  it('in either order, and other conversations still end', () => {
    expect(ended([stop('sinch', 'cv-1'), stop('ours', 'cv-1'), stop('x', 'cv-2')])).toHaveLength(2);
  });

  it('a conversation started again may end again', () => {
    expect(ended([stop('a', 'cv-1'), start('b', 'cv-1'), stop('c', 'cv-1')])).toHaveLength(2);
  });

  it('state restored from before the list existed is read as no conversation ended', () => {
    const { endedConversations: _dropped, ...old } = initialAgentState();
    const r = agentView(stop('a', 'cv-1'), old as AgentState, options);
    expect(r.events).toHaveLength(1);
    expect(r.state.endedConversations).toEqual(['cv-1']);
  });
});
