import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectTrigger } from './triggers';
import { customerKey, customerRefOf } from './customer-key';
import { toE164 } from './phone';
import { SINCH_FIXTURES_DIR } from '@cpm/testkit/src/fixtures';

const fixtures = SINCH_FIXTURES_DIR;
const load = (file: string): unknown => JSON.parse(readFileSync(join(fixtures, file), 'utf8'));

const expected: Record<string, string> = {
  'CapabilityEvent.json': 'CAPABILITY',
  'ChannelEvent.json': 'CHANNEL_EVENT',
  // Comment, payment and shortlink files are fragments of an `event` body, not whole callbacks:
  // valid Sinch JSON with an unknown top-level key, to be stored and flagged.
  'CommentEvent.json': 'UNKNOWN',
  'ContactCreateEvent.json': 'CONTACT_CREATE',
  'ContactDeleteEvent.json': 'CONTACT_DELETE',
  'ContactIdentitiesDuplicationEvent.json': 'CONTACT_IDENTITIES_DUPLICATION',
  'ContactMergeEvent.json': 'CONTACT_MERGE',
  'ContactUpdateEvent.json': 'CONTACT_UPDATE',
  'ConversationDeleteEvent.json': 'CONVERSATION_DELETE',
  'ConversationStartEvent.json': 'CONVERSATION_START',
  'ConversationStopEvent.json': 'CONVERSATION_STOP',
  'EventDeliveryReportEvent.json': 'EVENT_DELIVERY',
  'InboundContactEvent.json': 'EVENT_INBOUND',
  'InboundContactMessageEvent.json': 'EVENT_INBOUND',
  'MessageDeliveryReceiptEvent.json': 'MESSAGE_DELIVERY',
  'MessageInboundEvent.json': 'MESSAGE_INBOUND',
  'MessageInboundSmartConversationRedactionEvent.json': 'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'MessageSubmitEvent.json': 'MESSAGE_SUBMIT',
  'OptInEvent.json': 'OPT_IN',
  'OptOutEvent.json': 'OPT_OUT',
  'PaymentStatusUpdateEvent.json': 'UNKNOWN',
  'ShortlinkActivatedEvent.json': 'UNKNOWN',
  'SmartConversationsEvent.json': 'SMART_CONVERSATION',
  'UnsupportedCallbackEvent.json': 'UNSUPPORTED',
  'WebhooksAuthValidation.json': 'EVENT_INBOUND',
};

describe('detectTrigger on every .NET SDK fixture', () => {
  it('covers every fixture file', () => {
    const files = readdirSync(fixtures).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
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
    const a = customerKey({ appId: 'app', contactId: 'c1', conversationId: '', channel: 'SMS', identity: '46700000000' });
    const b = customerKey({ appId: 'app', contactId: 'c2', conversationId: '', channel: 'MMS', identity: '+46700000000' });
    expect(a).toEqual({ key: 'app:tel:+46700000000', source: 'PHONE' });
    expect(b.key).toBe(a.key);
  });
  it('keys other channels by contact, then identity (DISPATCH mode), then conversation', () => {
    expect(customerKey({ appId: 'app', contactId: 'c1', conversationId: 'v', channel: 'WHATSAPP', identity: '4670' }).key).toBe('app:c1');
    expect(customerKey({ appId: 'app', contactId: '', conversationId: '', channel: 'WHATSAPP', identity: '46700000000' }).key).toBe(
      'app:WHATSAPP:+46700000000',
    );
    expect(customerKey({ appId: 'app', contactId: '', conversationId: 'v1', channel: '', identity: '' }).key).toBe('app:conv:v1');
  });
  it('reads the customer of an inbound message fixture', () => {
    const ref = customerRefOf(load('MessageInboundEvent.json'));
    expect(ref.appId).not.toBe('');
    expect(ref.contactId || ref.identity).not.toBe('');
  });
  it('normalizes phone numbers to E.164', () => {
    expect(toE164('0046 70-000 00 00')).toBe('+46700000000');
    expect(toE164('+1 (555) 010-9999')).toBe('+15550109999');
    expect(toE164('PSID123')).toBe('PSID123');
  });
});
