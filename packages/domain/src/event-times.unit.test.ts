import { normalizeOutbound } from './normalize-outbound';
import { normalizeWebhook } from './normalize';
import { timeSkewsOf, webhookTimesOf } from './event-times';
import {
  RECEIVED_AT_MS,
  avroErrors,
  callbackFixture,
  rawInput,
  sentOutboundRecord,
} from '@cpm/testkit';

const ms = (iso: string) => Date.parse(iso);
const APPENDED = { ms: RECEIVED_AT_MS + 7, type: 'LOG_APPEND_TIME' as const };

describe('the times of an event, side by side (docs/DOMAIN.md#times)', () => {
  it('an inbound message: event_time is the channel, the inner accept_time is Sinch, then receipt and append', () => {
    const [event] = normalizeWebhook({
      ...rawInput(callbackFixture('message-inbound.json')),
      kafka: APPENDED,
    });
    expect(event!.times).toEqual({
      channelAtMs: ms('2025-03-14T09:26:50Z'),
      sinchAcceptedAtMs: ms('2025-03-14T09:26:52.120Z'),
      sinchAcceptedSource: 'ACCEPT_TIME',
      ingressReceivedAtMs: RECEIVED_AT_MS,
      kafkaAppendedAtMs: RECEIVED_AT_MS + 7,
      kafkaTimestampType: 'LOG_APPEND_TIME',
    });
    expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
  });

  it('a callback without an inner accept_time takes the envelope accepted_time', () => {
    const [event] = normalizeWebhook(rawInput(callbackFixture('message-delivery.json')));
    expect(event!.times).toMatchObject({
      channelAtMs: ms('2025-03-14T09:26:50Z'),
      sinchAcceptedAtMs: ms('2025-03-14T09:26:53.589Z'),
      sinchAcceptedSource: 'ACCEPTED_TIME',
      kafkaAppendedAtMs: null,
      kafkaTimestampType: null,
    });
  });

  it('times that are missing or not ISO-8601 are null, never the clock', () => {
    expect(
      webhookTimesOf({ event_time: 'yesterday' }, { accept_time: 42 }, 1000, undefined),
    ).toEqual({
      channelAtMs: null,
      sinchAcceptedAtMs: null,
      sinchAcceptedSource: null,
      ingressReceivedAtMs: 1000,
      kafkaAppendedAtMs: null,
      kafkaTimestampType: null,
    });
  });

  it('an outbound outcome carries Sinch answer time and its own Kafka timestamp', () => {
    const [event] = normalizeOutbound({
      record: sentOutboundRecord(),
      source: { topic: 'sinch.outbound.v1', partition: 0, offset: '1' },
      kafka: { ms: 5, type: 'CREATE_TIME' },
    });
    expect(event!.times).toEqual({
      channelAtMs: null,
      sinchAcceptedAtMs: ms('2024-01-01T10:00:01.500Z'),
      sinchAcceptedSource: 'SINCH_ACCEPTED_TIME',
      ingressReceivedAtMs: null,
      kafkaAppendedAtMs: 5,
      kafkaTimestampType: 'CREATE_TIME',
    });
    expect(avroErrors('conversation.events.v1.avsc', event)).toEqual([]);
  });

  it('skews: channel→sinch, sinch→ingress, ingress→kafka in seconds, negative when a clock is behind', () => {
    const times = webhookTimesOf(
      { event_time: '2025-01-01T00:00:02Z' },
      { accept_time: '2025-01-01T00:00:01.500Z' },
      ms('2025-01-01T00:00:04Z'),
      { ms: ms('2025-01-01T00:00:04.250Z'), type: 'LOG_APPEND_TIME' },
    );
    expect(timeSkewsOf(times)).toEqual([
      { from: 'channel', to: 'sinch', seconds: -0.5 },
      { from: 'sinch', to: 'ingress', seconds: 2.5 },
      { from: 'ingress', to: 'kafka', seconds: 0.25 },
    ]);
  });

  it('no ingress→kafka skew from a CREATE_TIME timestamp (the producer clock, not the broker), none from missing times', () => {
    const times = webhookTimesOf({}, {}, 1000, { ms: 1010, type: 'CREATE_TIME' });
    expect(timeSkewsOf(times)).toEqual([]);
  });
});
