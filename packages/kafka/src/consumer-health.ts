import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger, Metrics } from '@cpm/platform';
import { groupOffsets, partitionEnds, type PartitionEnds } from './admin';
import { topicName } from './topics';

/** What `/readyz` answers: 200 when ready, 503 with the reason otherwise. */
export interface Readiness {
  ready: boolean;
  reason?: string;
}

export interface ConsumerHealthSettings {
  /** Not ready once no fetch has been answered for this long. An idle consumer's long polls are answered every maxWaitTime (at most 5 s here). */
  fetchStallMs: number;
  /** How often the lag gauge is set from the brokers' offsets. */
  lagIntervalMs: number;
}

export const DEFAULT_CONSUMER_HEALTH: ConsumerHealthSettings = {
  fetchStallMs: 30_000,
  lagIntervalMs: 10_000,
};

/** The settings of a service's configuration (consumerHealthSchema of @cpm/platform). */
export function consumerHealthSettings(config: {
  CONSUMER_FETCH_STALL_MS: number;
  CONSUMER_LAG_INTERVAL_MS: number;
}): ConsumerHealthSettings {
  return {
    fetchStallMs: config.CONSUMER_FETCH_STALL_MS,
    lagIntervalMs: config.CONSUMER_LAG_INTERVAL_MS,
  };
}

type Phase = 'joining' | 'restoring' | 'running' | 'crashed' | 'stopped';

/**
 * Whether a consumer does its work, from what happened to it; the time is passed in. Ready
 * only once its group is joined, its state (for a consumer that restores one) restored after
 * the last join, and while a fetch has been answered within `fetchStallMs`. A crash (whether
 * kafkajs restarts the consumer or not), a rebalance or a stop makes it not ready until the
 * next join and restore.
 */
export class ReadinessTracker {
  private phase: Phase = 'joining';
  private reason = 'the consumer has not joined its group yet';
  private lastFetch = 0;
  /** Moved by every restore started and by every crash, rebalance or stop: a restore that ends after one of them does not make the consumer ready. */
  private epoch = 0;

  constructor(private readonly o: { restores: boolean; fetchStallMs: number }) {}

  /** A consumer is (re)joining its group: a new one, or the group rebalances. */
  joining(reason: string): void {
    this.set('joining', reason);
  }

  joined(now: number): void {
    this.lastFetch = now;
    if (!this.o.restores) this.set('running', '');
    else if (this.phase !== 'restoring')
      this.set('restoring', 'restoring the state after joining the group', false);
  }

  /**
   * A restore starts; call the returned function when it ends. Whichever of `joined` and
   * `restoring` is called first for a join, the restore counts; an older restore does not:
   * the function returns whether this one still counted.
   */
  restoring(): (now: number, error?: Error) => boolean {
    const epoch = ++this.epoch;
    if (this.phase === 'running') this.set('restoring', 'restoring the state', false);
    return (now, error) => {
      if (epoch !== this.epoch || this.phase !== 'restoring') return false;
      if (error) {
        this.reason = `restoring the state failed (it is retried): ${error.message}`;
      } else {
        this.lastFetch = now;
        this.set('running', '', false);
      }
      return true;
    };
  }

  fetched(now: number): void {
    this.lastFetch = now;
  }

  crashed(message: string, restart: boolean): void {
    this.set(
      'crashed',
      restart
        ? `the consumer crashed and kafkajs restarts it: ${message}`
        : `the consumer crashed: ${message}`,
    );
  }

  stopped(): void {
    this.set('stopped', 'the consumer stopped');
  }

  check(now: number): Readiness {
    if (this.phase !== 'running') return { ready: false, reason: this.reason };
    const silent = now - this.lastFetch;
    if (silent > this.o.fetchStallMs)
      return {
        ready: false,
        reason: `no fetch answered for ${silent} ms (more than ${this.o.fetchStallMs} ms)`,
      };
    return { ready: true };
  }

  private set(phase: Phase, reason: string, newEpoch = true): void {
    this.phase = phase;
    this.reason = reason;
    if (newEpoch) this.epoch++;
  }
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * Records left to process per assigned partition (keys `topic:partition`): the end a
 * read_committed reader sees (the last stable offset) minus where the consumer stands. That is
 * its committed offset, or (`passed`) past the end of the last batch it processed: a batch
 * of a topic written in transactions ends with a commit marker after its last record, and
 * the offset committed is the one after that record, so a caught-up consumer would stay one
 * marker behind the end. Never below the log start (a group without an offset starts there).
 */
export function partitionLags(
  assigned: ReadonlyMap<string, readonly number[]>,
  ends: ReadonlyMap<string, PartitionEnds>,
  committed: ReadonlyMap<string, bigint>,
  passed: ReadonlyMap<string, bigint> = new Map(),
): PartitionLag[] {
  const lags: PartitionLag[] = [];
  for (const [topic, partitions] of assigned) {
    for (const partition of partitions) {
      const key = `${topic}:${partition}`;
      const end = ends.get(key);
      if (!end) continue;
      const at = [committed.get(key), passed.get(key)].reduce<bigint>(
        (a, b) => (b !== undefined && b > a ? b : a),
        end.low,
      );
      lags.push({ topic, partition, lag: end.high > at ? Number(end.high - at) : 0 });
    }
  }
  return lags;
}

export interface ConsumerHealthOptions {
  kafka: Kafka;
  groupId: string;
  namespace: string;
  /** Catalogue names of the consumed topics (the lag gauge's `topic` label). */
  topics: readonly string[];
  /** Whether the consumer restores something after each join (its state, or its positions) before it is ready. */
  restores: boolean;
  metrics: Metrics;
  logger: Logger;
  settings?: Partial<ConsumerHealthSettings>;
  /** Where the consumer stands, as `topic:partition` (full topic name) → next offset; default: the group's committed offsets. */
  committedOffsets?: (admin: Admin) => Promise<Map<string, bigint>>;
  now?: () => number;
}

/**
 * The health of one Kafka consumer service, the same for every one: readiness
 * (ReadinessTracker) fed by the kafkajs consumer's instrumentation events and by its owner's
 * restores, and the lag gauge (`cpm_consumer_lag`) of the assigned partitions, set on a
 * timer from the brokers' offsets, so that the lag of a stalled or crashed consumer grows
 * instead of keeping its last value.
 *
 * A fetch is counted when it is answered (kafkajs FETCH): kafkajs also emits FETCH_START
 * before each retry of a failing fetch. kafkajs fetches again only once the batches of the
 * last fetch are processed, so a batch that takes longer than `fetchStallMs` reads as a stall.
 */
export class ConsumerHealth {
  private readonly tracker: ReadinessTracker;
  private readonly settings: ConsumerHealthSettings;
  private readonly now: () => number;
  /** Full topic name → catalogue name. */
  private readonly labels: Map<string, string>;
  private consumer: Consumer | null = null;
  private listeners: (() => void)[] = [];
  /** The last assignment (kept after a crash: its lag goes on growing). */
  private assigned = new Map<string, number[]>();
  /** `topic:partition` → the offset after the last batch processed, markers included (see `processed`). */
  private readonly passed = new Map<string, bigint>();
  private reported = new Map<string, { topic: string; partition: string }>();
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private measuring: Promise<void> | null = null;
  private admin: Admin | null = null;
  private failing = false;
  private stopped = false;

  constructor(private readonly o: ConsumerHealthOptions) {
    this.settings = { ...DEFAULT_CONSUMER_HEALTH, ...o.settings };
    this.now = o.now ?? Date.now;
    this.tracker = new ReadinessTracker({
      restores: o.restores,
      fetchStallMs: this.settings.fetchStallMs,
    });
    this.labels = new Map(o.topics.map((t) => [topicName(o.namespace, t), t]));
  }

  /**
   * Follows `consumer` (before it connects; call it before adding the owner's own GROUP_JOIN
   * listener), in place of the one followed so far, and starts the lag timer.
   */
  watch(consumer: Consumer): void {
    for (const remove of this.listeners) remove();
    if (this.consumer) this.tracker.joining('a new consumer replaces the crashed one');
    this.consumer = consumer;
    const { events } = consumer;
    this.listeners = [
      consumer.on(events.GROUP_JOIN, ({ payload }) => {
        this.assigned = new Map(
          Object.entries(payload.memberAssignment).filter(([topic]) => this.labels.has(topic)),
        );
        this.passed.clear();
        this.tracker.joined(this.now());
      }),
      consumer.on(events.FETCH, () => this.tracker.fetched(this.now())),
      consumer.on(events.REBALANCING, () => this.tracker.joining('the group is rebalancing')),
      consumer.on(events.STOP, () => this.tracker.stopped()),
      consumer.on(events.CRASH, ({ payload }) =>
        this.tracker.crashed(payload.error.message, payload.restart),
      ),
    ];
    if (!this.timer && !this.stopped) {
      this.timer = setInterval(() => void this.refreshLag(), this.settings.lagIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Runs the owner's restore after a join, and again with backoff until it succeeds or the
   * next join or crash supersedes it; the consumer is not ready until then. `restore` may be
   * memoized: a restore a batch started meanwhile is awaited, not repeated.
   */
  restore(restore: () => Promise<void>): void {
    if (this.retry) clearTimeout(this.retry);
    const done = this.tracker.restoring();
    const attempt = (n: number): void => {
      restore().then(
        () => done(this.now()),
        (error: Error) => {
          if (!done(this.now(), error) || this.stopped) return; // superseded by a later join, crash or stop
          this.o.logger.warn(
            { err: error.message, attempt: n },
            'restore after the join failed; retrying',
          );
          this.retry = setTimeout(() => attempt(n + 1), Math.min(1_000 * 2 ** (n - 1), 10_000));
        },
      );
    };
    attempt(1);
  }

  check(): Readiness {
    return this.tracker.check(this.now());
  }

  /**
   * The owner processed and committed a whole batch: `lastOffset` is kafkajs's
   * `batch.lastOffset()`, which counts the transaction markers and aborted records after the
   * batch's last record (the offset committed stops at that record).
   */
  processed(topic: string, partition: number, lastOffset: string): void {
    const key = `${topic}:${partition}`;
    const next = BigInt(lastOffset) + 1n;
    if (next > (this.passed.get(key) ?? -1n)) this.passed.set(key, next);
  }

  /** Sets the lag gauge of every assigned partition now (the timer calls it every `lagIntervalMs`). */
  refreshLag(): Promise<void> {
    this.measuring ??= this.measure()
      .then(
        () => {
          if (this.failing) this.o.logger.info('consumer lag measured again');
          this.failing = false;
        },
        async (error: Error) => {
          this.o.metrics.kafkaErrors.inc({ operation: 'lag' });
          if (!this.failing)
            this.o.logger.warn(
              { err: error.message },
              'consumer lag could not be measured; retried on the next interval',
            );
          this.failing = true;
          await this.admin?.disconnect().catch(() => undefined);
          this.admin = null;
        },
      )
      .finally(() => (this.measuring = null));
    return this.measuring;
  }

  private async measure(): Promise<void> {
    if (this.stopped) return;
    const admin = this.admin ?? (this.admin = this.o.kafka.admin()); // disconnected and dropped after a failure, connected again here
    await admin.connect(); // kafkajs connects only what is not connected
    const topics = [...this.labels.keys()];
    const [ends, committed] = await Promise.all([
      partitionEnds(admin, topics),
      this.o.committedOffsets
        ? this.o.committedOffsets(admin)
        : groupOffsets(admin, this.o.groupId, topics),
    ]);
    const reported = new Map<string, { topic: string; partition: string }>();
    for (const { topic, partition, lag } of partitionLags(
      this.assigned,
      ends,
      committed,
      this.passed,
    )) {
      const labels = { topic: this.labels.get(topic)!, partition: String(partition) };
      this.o.metrics.consumerLag.set(labels, lag);
      reported.set(`${topic}:${partition}`, labels);
    }
    // Partitions this instance no longer owns: their new owner reports them.
    for (const [key, labels] of this.reported)
      if (!reported.has(key)) this.o.metrics.consumerLag.remove(labels);
    this.reported = reported;
  }

  /** Stops the timers (a measurement under way is awaited) and reports the consumer stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    this.timer = this.retry = null;
    await this.measuring;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
    for (const remove of this.listeners) remove();
    this.listeners = [];
    this.tracker.stopped();
  }
}
