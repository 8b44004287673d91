import { detectTrigger, KNOWN_TRIGGERS } from './triggers';
import { customerKey, customerRefOf } from './customer-key';
import { toE164 } from './phone';
import { callbackFixture, callbackFixtures } from '@cpm/testkit';

const load = (file: string): unknown => JSON.parse(callbackFixture(file).toString('utf8'));

const expected: Record<string, string> = {
  'capability.json': 'CAPABILITY',
  'channel-event.json': 'CHANNEL_EVENT',
  'contact-create.json': 'CONTACT_CREATE',
  'contact-delete.json': 'CONTACT_DELETE',
  'contact-identities-duplication.json': 'CONTACT_IDENTITIES_DUPLICATION',
  'contact-merge.json': 'CONTACT_MERGE',
  'contact-update.json': 'CONTACT_UPDATE',
  'conversation-delete.json': 'CONVERSATION_DELETE',
  'conversation-start.json': 'CONVERSATION_START',
  'conversation-stop.json': 'CONVERSATION_STOP',
  'event-delivery.json': 'EVENT_DELIVERY',
  'event-inbound.json': 'EVENT_INBOUND',
  'message-delivery.json': 'MESSAGE_DELIVERY',
  'message-inbound.json': 'MESSAGE_INBOUND',
  'message-inbound-smart-conversation-redaction.json':
    'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'message-submit.json': 'MESSAGE_SUBMIT',
  'opt-in.json': 'OPT_IN',
  'opt-out.json': 'OPT_OUT',
  'record-notification.json': 'RECORD_NOTIFICATION',
  'smart-conversation.json': 'SMART_CONVERSATION',
  // Valid Sinch JSON whose top-level key we do not know: stored and flagged.
  'unknown-top-level-key.json': 'UNKNOWN',
  'unsupported.json': 'UNSUPPORTED',
};

describe("detectTrigger on the project's callback fixtures", () => {
  it('covers every fixture file, and every trigger it knows has a fixture', () => {
    expect(callbackFixtures().map((f) => f.file)).toEqual(Object.keys(expected).sort());
    expect(new Set(Object.values(expected))).toEqual(new Set([...KNOWN_TRIGGERS, 'UNKNOWN']));
  });
  it.each(Object.entries(expected))('%s is %s', (file, trigger) => {
    expect(detectTrigger(load(file)).trigger).toBe(trigger);
  });
  it('treats non-objects as UNKNOWN', () => {
    expect(detectTrigger([]).trigger).toBe('UNKNOWN');
    expect(detectTrigger(null).trigger).toBe('UNKNOWN');
    expect(detectTrigger({ message: 'a string' }).trigger).toBe('UNKNOWN');
  });
});

describe('customer key', () => {
  it('keys SMS and MMS by E.164 phone number, whatever the contact', () => {
    const a = customerKey({
      appId: 'app',
      contactId: 'c1',
      conversationId: '',
      channel: 'SMS',
      identity: '46700000000',
    });
    const b = customerKey({
      appId: 'app',
      contactId: 'c2',
      conversationId: '',
      channel: 'MMS',
      identity: '+46700000000',
    });
    expect(a).toEqual({ key: 'app:tel:+46700000000', source: 'PHONE' });
    expect(b.key).toBe(a.key);
  });
  it('keys other channels by contact, then identity (DISPATCH mode), then conversation', () => {
    expect(
      customerKey({
        appId: 'app',
        contactId: 'c1',
        conversationId: 'v',
        channel: 'WHATSAPP',
        identity: '4670',
      }).key,
    ).toBe('app:c1');
    expect(
      customerKey({
        appId: 'app',
        contactId: '',
        conversationId: '',
        channel: 'WHATSAPP',
        identity: '46700000000',
      }).key,
    ).toBe('app:WHATSAPP:+46700000000');
    expect(
      customerKey({ appId: 'app', contactId: '', conversationId: 'v1', channel: '', identity: '' })
        .key,
    ).toBe('app:conv:v1');
  });
  it('reads the customer of an inbound message fixture', () => {
    const ref = customerRefOf(load('message-inbound.json'));
    expect(ref.appId).not.toBe('');
    expect(ref.contactId || ref.identity).not.toBe('');
  });
  it('normalizes phone numbers to E.164', () => {
    expect(toE164('0046 70-000 00 00')).toBe('+46700000000');
    expect(toE164('+1 (555) 010-9999')).toBe('+15550109999');
    expect(toE164('PSID123')).toBe('PSID123');
  });
});
