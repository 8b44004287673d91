import type { EventTimes } from '@cpm/contracts';
import type { Obj } from './json';
import { sinchTimeToMs } from './sinch-time';

/** The Kafka timestamp of a source record, as the consumer read it from the log. */
export interface LogTimestamp {
  ms: number;
  /** LOG_APPEND_TIME (the broker's clock at append) or CREATE_TIME (the producer's clock at send). */
  type: 'LOG_APPEND_TIME' | 'CREATE_TIME';
}

/**
 * The times of a callback side by side (docs/DOMAIN.md#times): the channel's `event_time`,
 * Sinch's accept time (the inner `accept_time`, else the envelope's `accepted_time`), the
 * ingress receipt and the Kafka timestamp of the raw record. All come from the log, so a
 * replay gives the same times.
 */
export function webhookTimesOf(
  root: Obj,
  inner: Obj,
  receivedAtMs: number,
  kafka: LogTimestamp | undefined,
): EventTimes {
  const accept = sinchTimeToMs(inner.accept_time);
  const accepted = accept === null ? sinchTimeToMs(root.accepted_time) : null;
  return {
    channelAtMs: sinchTimeToMs(root.event_time),
    sinchAcceptedAtMs: accept ?? accepted,
    sinchAcceptedSource:
      accept !== null ? 'ACCEPT_TIME' : accepted !== null ? 'ACCEPTED_TIME' : null,
    ingressReceivedAtMs: receivedAtMs,
    kafkaAppendedAtMs: kafka?.ms ?? null,
    kafkaTimestampType: kafka?.type ?? null,
  };
}

/** The times of an outbound outcome: Sinch's answer to the send and the record's Kafka timestamp. */
export function outboundTimesOf(
  sinchAcceptedAtMs: number | null,
  kafka: LogTimestamp | undefined,
): EventTimes {
  return {
    channelAtMs: null,
    sinchAcceptedAtMs,
    sinchAcceptedSource: sinchAcceptedAtMs === null ? null : 'SINCH_ACCEPTED_TIME',
    ingressReceivedAtMs: null,
    kafkaAppendedAtMs: kafka?.ms ?? null,
    kafkaTimestampType: kafka?.type ?? null,
  };
}

export type SkewPoint = 'channel' | 'sinch' | 'ingress' | 'kafka';

export interface TimeSkew {
  from: SkewPoint;
  to: SkewPoint;
  /** `to` minus `from`, seconds; negative when the later step's clock is behind. */
  seconds: number;
}

/**
 * The skews between consecutive steps of one event's way in: channel → Sinch accept, Sinch
 * accept → ingress receipt, ingress receipt → Kafka append. A step whose time is missing is
 * left out. The Kafka step is measured only with LOG_APPEND_TIME: a CREATE_TIME timestamp is
 * the ingress's own clock at send, not the broker's.
 */
export function timeSkewsOf(times: EventTimes): TimeSkew[] {
  const skews: TimeSkew[] = [];
  const add = (from: SkewPoint, a: number | null, to: SkewPoint, b: number | null) => {
    if (a !== null && b !== null) skews.push({ from, to, seconds: (b - a) / 1000 });
  };
  add('channel', times.channelAtMs, 'sinch', times.sinchAcceptedAtMs);
  add('sinch', times.sinchAcceptedAtMs, 'ingress', times.ingressReceivedAtMs);
  if (times.kafkaTimestampType === 'LOG_APPEND_TIME')
    add('ingress', times.ingressReceivedAtMs, 'kafka', times.kafkaAppendedAtMs);
  return skews;
}
