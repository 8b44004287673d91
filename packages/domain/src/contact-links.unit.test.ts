import type { ConversationEvent } from '@cpm/contracts';
import { inbound, rawInput } from '@cpm/testkit';
import {
  acceptLink,
  CONTACT_LINKED,
  emptyLinkState,
  linksFrom,
  PENDING_CAPACITY,
  rekeyed,
  routeContactEvent,
} from './contact-links';
import { normalizeWebhook } from './normalize';

const one = (body: object): ConversationEvent => normalizeWebhook(rawInput(body))[0]!;
const PHONE_KEY = 'app1:tel:+15550001111';
const CONTACT_KEY = 'app1:contact-sms';

const sms = (id: string, contactId = 'contact-sms') =>
  one(
    inbound({
      id,
      channel: 'SMS',
      identity: '15550001111',
      contactId,
      conversationId: 'conv-sms',
      acceptTime: '2026-01-01T10:00:00Z',
    }),
  );
const stop = (channel: string) =>
  one({
    app_id: 'app1',
    accepted_time: '2026-01-01T11:00:00Z',
    conversation_stop_notification: {
      conversation: {
        id: 'conv-sms',
        app_id: 'app1',
        contact_id: 'contact-sms',
        active_channel: channel,
      },
    },
  });
const contactUpdate = (identities: Array<{ channel: string; identity: string }>) =>
  one({
    app_id: 'app1',
    accepted_time: '2026-01-01T11:00:00Z',
    contact_update_notification: {
      contact: { id: 'contact-sms', display_name: 'Ada', channel_identities: identities },
    },
  });

describe('contact links', () => {
  it('an SMS message on the phone key links its contact once, keyed by the contact', () => {
    const event = sms('m1');
    expect(event.customerKey).toBe(PHONE_KEY);
    const first = linksFrom(emptyLinkState(), PHONE_KEY, event);
    expect(first.links.map((l) => [l.contactKey, l.event.type, l.event.customerKey])).toEqual([
      [CONTACT_KEY, CONTACT_LINKED, PHONE_KEY],
    ]);
    expect(first.links[0]!.event.message).toBeNull();
    // Same contact again: nothing new to write.
    expect(linksFrom(first.state, PHONE_KEY, sms('m2')).links).toEqual([]);
    // Another contact on the same number (an SMS reply in an MMS thread): linked too.
    const other = linksFrom(first.state, PHONE_KEY, sms('m3', 'contact-mms'));
    expect(other.links.map((l) => l.contactKey)).toEqual(['app1:contact-mms']);
    // A link id is a function of the two keys: a replay writes the same record.
    expect(linksFrom(emptyLinkState(), PHONE_KEY, sms('m9')).links[0]!.event.eventId).toBe(
      first.links[0]!.event.eventId,
    );
  });

  it('links nothing on a contact key', () => {
    const whatsapp = one(
      inbound({ id: 'w1', channel: 'WHATSAPP', identity: '15550001111', contactId: 'c' }),
    );
    expect(linksFrom(emptyLinkState(), 'app1:c', whatsapp).links).toEqual([]);
  });

  it('sends an SMS conversation stop to the linked phone key only, and waits for a link when none is known', () => {
    const linked = acceptLink(emptyLinkState(), PHONE_KEY).state;
    expect(routeContactEvent(linked, stop('SMS'))).toMatchObject({
      direct: false,
      to: [PHONE_KEY],
      released: [],
    });
    // Before any link: kept, not emitted anywhere.
    const early = routeContactEvent(emptyLinkState(), stop('MMS'));
    expect(early).toMatchObject({ direct: false, to: [] });
    expect(early.state.pending.map((e) => e.type)).toEqual(['CONVERSATION_STOPPED']);
    // The link releases it to the phone key, once.
    const late = acceptLink(early.state, PHONE_KEY);
    expect(late.flush.map((e) => e.type)).toEqual(['CONVERSATION_STOPPED']);
    expect(late.state.pending).toEqual([]);
    expect(acceptLink(late.state, 'app1:tel:+15550002222').flush).toEqual([]);
  });

  it('leaves a conversation of another channel on the contact key', () => {
    expect(routeContactEvent(emptyLinkState(), stop('WHATSAPP'))).toEqual({
      state: emptyLinkState(),
      direct: true,
      to: [],
      released: [],
    });
  });

  it('sends contact callbacks to the contact key and to the SMS/MMS numbers they list or are linked to', () => {
    const listed = routeContactEvent(
      emptyLinkState(),
      contactUpdate([
        { channel: 'SMS', identity: '15550001111' },
        { channel: 'MMS', identity: '+1 555 000 1111' },
        { channel: 'WHATSAPP', identity: '15550003333' },
      ]),
    );
    expect(listed).toMatchObject({ direct: true, to: [PHONE_KEY] });
    expect(listed.state.phoneKeys).toEqual([PHONE_KEY]);
    // No number listed, none linked: delivered on the contact key and kept for a link.
    const unlisted = routeContactEvent(emptyLinkState(), contactUpdate([]));
    expect(unlisted).toMatchObject({ direct: true, to: [] });
    expect(unlisted.state.pending).toHaveLength(1);
    // A listed number releases what waited.
    const withStop = routeContactEvent(unlisted.state, stop('SMS')).state;
    const released = routeContactEvent(
      withStop,
      contactUpdate([{ channel: 'SMS', identity: '15550001111' }]),
    );
    expect(released.to).toEqual([PHONE_KEY]);
    expect(released.released.map((e) => e.type)).toEqual([
      'CONTACT_UPDATED',
      'CONVERSATION_STOPPED',
    ]);
    expect(released.state.pending).toEqual([]);
  });

  it('keeps the last PENDING_CAPACITY callbacks while waiting', () => {
    let state = emptyLinkState();
    for (let i = 0; i < PENDING_CAPACITY + 5; i++)
      state = routeContactEvent(state, stop('SMS')).state;
    expect(state.pending).toHaveLength(PENDING_CAPACITY);
  });

  it('re-keys without changing the fact', () => {
    const event = stop('SMS');
    const moved = rekeyed(event, PHONE_KEY);
    expect(moved).toEqual({ ...event, customerKey: PHONE_KEY, identity: '+15550001111' });
    expect(moved.eventId).toBe(event.eventId);
  });

  it('is pure: inputs are not changed', () => {
    const state = emptyLinkState();
    routeContactEvent(state, stop('SMS'));
    linksFrom(state, PHONE_KEY, sms('m1'));
    acceptLink(state, PHONE_KEY);
    expect(state).toEqual(emptyLinkState());
  });
});
