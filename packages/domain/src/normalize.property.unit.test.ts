import fc from 'fast-check';
import { KNOWN_TRIGGERS, TRIGGER_KEYS } from '@cpm/sinch-webhooks';
import { UnparseableWebhookError } from './errors';
import { correct, emptyMmsState } from './mms-correction';
import { mmsConfig } from './mms-config';
import { normalizeWebhook } from './normalize';
import { avroErrors, inbound, rawInput } from '@cpm/testkit';

/** FUZZ_RUNS=100000 for the long mode; the default keeps the unit tier fast. */
const numRuns = Number(process.env.FUZZ_RUNS ?? 2000);

/** Arbitrary JSON, plus bodies shaped like callbacks: a known trigger key over arbitrary content. */
const callbackLike = fc
  .tuple(
    fc.constantFrom(...TRIGGER_KEYS.map(([key]) => key)),
    fc.jsonValue(),
    fc.dictionary(
      fc.constantFrom('app_id', 'accepted_time', 'event_time', 'message_metadata', 'project_id'),
      fc.jsonValue(),
    ),
  )
  .map(([key, inner, envelope]) => ({ ...envelope, [key]: inner }));
const anyBody = fc
  .oneof(fc.jsonValue(), callbackLike, fc.string())
  .map((value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

describe('normalizeWebhook properties', () => {
  it('never throws anything but UnparseableWebhookError, and what it emits fits the schema', () => {
    expect(KNOWN_TRIGGERS).toHaveLength(21);
    fc.assert(
      fc.property(anyBody, (body) => {
        try {
          for (const event of normalizeWebhook(rawInput(body))) {
            if (avroErrors('conversation.events.v1.avsc', event).length > 0) return false;
          }
        } catch (error) {
          if (!(error instanceof UnparseableWebhookError)) throw error;
        }
        return true;
      }),
      { numRuns },
    );
  });

  it('never corrects a pure SMS customer (no MMS binding, app not MMS)', () => {
    const smsMessage = fc.record({
      id: fc.string({ minLength: 1, maxLength: 8 }),
      identity: fc.stringMatching(/^\+?[0-9]{6,15}$/),
      senderId: fc.option(fc.stringMatching(/^[0-9]{3,12}$/), { nil: undefined }),
      contactId: fc.string({ maxLength: 6 }),
      acceptTime: fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      text: fc.string(),
    });
    fc.assert(
      fc.property(
        fc.array(smsMessage, { maxLength: 8 }),
        fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
        (messages, otherApps) => {
          const config = mmsConfig({ mmsAppIds: otherApps.filter((a) => a !== 'app1') });
          let state = emptyMmsState();
          for (const m of messages) {
            const body = inbound({
              id: m.id,
              channel: 'SMS',
              identity: m.identity,
              contactId: m.contactId,
              acceptTime: m.acceptTime,
              contactMessage: { text_message: { text: m.text } },
              ...(m.senderId ? { senderId: m.senderId } : {}),
            });
            for (const event of normalizeWebhook(rawInput(body))) {
              const out = correct(state, event, config);
              state = out.state;
              if (out.events.length !== 1 || out.events[0] !== event) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: Math.max(1, Math.floor(numRuns / 4)) },
    );
  });
});
