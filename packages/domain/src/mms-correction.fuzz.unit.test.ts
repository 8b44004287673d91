import fc from 'fast-check';
import type { ConversationEvent } from '@cpm/contracts';
import { correct, emptyMmsState, type MmsState } from './mms-correction';
import { mmsConfig } from './mms-config';
import { normalizeWebhook } from './normalize';
import { inbound, rawInput } from '@cpm/testkit';

/**
 * Fuzzing of the MMS correction over random logs: a few apps, customers, business numbers
 * and channels, MMS and SMS traffic interleaved with conversation stops and idle gaps.
 * Customers are of two kinds: "mixed" ones (any channel) and "pure SMS" ones (an app that
 * is not MMS, a business number that is not MMS, never an MMS event), which must never be
 * touched. FUZZ_RUNS sets the cases (long mode: FUZZ_RUNS=100000).
 */
const numRuns = Number(process.env.FUZZ_RUNS ?? 600);

const MIXED_NUMBERS = ['+15550000001', '+15550000002', '15550000003'];
const PURE_SMS_NUMBERS = ['+15551110001', '15551110002'];
const BUSINESS_NUMBERS = ['15559990000', '+15559990001', '15559990002'];
const MMS_APP = 'app-mms';
const MMS_BUSINESS = '+15559990002';
const config = mmsConfig({
  mmsAppIds: [MMS_APP],
  mmsBusinessNumbers: [MMS_BUSINESS],
  idleTimeoutMs: 60 * 60 * 1000,
});

interface Step {
  kind: 'message' | 'stop';
  mixed: boolean;
  app: string;
  customer: number;
  business: number;
  channel: string;
  conversation: number;
  gapMinutes: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom<Step['kind']>('message', 'message', 'message', 'stop'),
  mixed: fc.boolean(),
  app: fc.constantFrom('app-a', 'app-b', MMS_APP),
  customer: fc.nat({ max: 2 }),
  business: fc.nat({ max: 2 }),
  channel: fc.constantFrom('SMS', 'SMS', 'MMS', 'WHATSAPP'),
  conversation: fc.nat({ max: 3 }),
  gapMinutes: fc.oneof(fc.nat({ max: 5 }), fc.constant(120)), // sometimes longer than the idle time
});

/** A step as Sinch would send it; pure-SMS steps are forced to SMS, a plain app and a plain number. */
function bodyOf(s: Step, index: number, atMs: number): object {
  const pure = !s.mixed;
  const app = pure ? (s.app === MMS_APP ? 'app-a' : s.app) : s.app;
  const identity = pure
    ? PURE_SMS_NUMBERS[s.customer % PURE_SMS_NUMBERS.length]!
    : MIXED_NUMBERS[s.customer]!;
  const sender = pure ? BUSINESS_NUMBERS[s.business % 2]! : BUSINESS_NUMBERS[s.business]!;
  const conversationId = `conv-${pure ? 'p' : 'm'}${s.customer}-${s.conversation}`;
  const time = new Date(atMs).toISOString();
  if (s.kind === 'stop') {
    return {
      app_id: app,
      accepted_time: time,
      event_time: time,
      conversation_stop_notification: {
        conversation: {
          id: conversationId,
          app_id: app,
          contact_id: `contact-${identity}`,
          active_channel: pure ? 'SMS' : s.channel,
        },
      },
    };
  }
  return inbound({
    id: `m${index}`,
    appId: app,
    channel: pure ? 'SMS' : s.channel,
    identity,
    senderId: sender,
    contactId: `contact-${identity}`,
    conversationId,
    acceptTime: time,
  });
}

const isPureSms = (e: ConversationEvent): boolean =>
  PURE_SMS_NUMBERS.some((n) => e.identity.replace(/^\+/, '') === n.replace(/^\+/, ''));

function run(log: ConversationEvent[]): { state: MmsState; out: ConversationEvent[][] } {
  let state = emptyMmsState();
  const out: ConversationEvent[][] = [];
  for (const event of log) {
    const result = correct(state, event, config);
    state = result.state;
    out.push(result.events);
  }
  return { state, out };
}

describe('MMS correction fuzzing over random logs', () => {
  it('corrects only mixed customers, always to MMS from SMS, and the same log gives the same output', () => {
    let corrections = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        let at = Date.UTC(2024, 0, 1);
        const log = steps.flatMap((s, i) => {
          at += s.gapMinutes * 60_000;
          return normalizeWebhook(rawInput(bodyOf(s, i, at), String(i)));
        });
        const first = run(log);
        for (const [i, events] of first.out.entries()) {
          const input = log[i]!;
          if (isPureSms(input) && input.type !== 'CONVERSATION_STOPPED') {
            if (events.length !== 1 || events[0] !== input)
              throw new Error(
                `pure SMS customer corrected: ${JSON.stringify(events[0]?.correction)}`,
              );
          }
          for (const e of events) {
            if (e.correction === null) continue;
            corrections++;
            if (e.channel !== 'MMS' || e.sourceChannel !== 'SMS')
              throw new Error(`corrected to ${e.channel} from ${e.sourceChannel}`);
            if (isPureSms(e)) throw new Error('pure SMS customer in a correction');
          }
          if (input.sourceChannel !== 'SMS' && events.some((e) => e.correction !== null))
            throw new Error(`${input.sourceChannel} event corrected`);
        }
        // Same log, fresh state: deep-equal output and state (a replay decides the same).
        expect(run(structuredClone(log))).toEqual(first);
        return true;
      }),
      { numRuns },
    );
    // The generator must actually exercise corrections, else the invariants prove nothing.
    expect(corrections).toBeGreaterThan(0);
  });
});
