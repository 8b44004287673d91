import {
  KafkaJSNonRetriableError,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Message,
} from 'kafkajs';
import { errorCode, isRetriable, type Logger, type Metrics } from '@cpm/platform';
import { groupOffsets, partitionEnds, withAdmin } from './admin';
import { ConsumerHealth, type ConsumerHealthSettings } from './consumer-health';
import {
  assertChangelogPartitions,
  isChangelogBookkeeping,
  OFFSET_KEY,
  readChangelog,
  sealChangelog,
} from './changelog';
import { deadLetter } from './dead-letter';
import { GroupCommitter } from './group-commit';
import { KeyedState, type StateView } from './keyed-state';
import { StateChangelog, type AnyChangelogList } from './state-changelog';
import { RenewableTransactionalProducer } from './renewable-producer';
import { SERVICE_CONSUMER_RETRY } from './retry-policies';
import type { SchemaCodec } from './schema-codec';
import { topicName } from './topics';

/** What a handler emits: a value for a topic of the catalogue (encoded with its schema). */
export interface Emit {
  topic: string;
  key: string;
  value: unknown;
  /** For metrics: the event type. */
  type?: string;
}

export interface ProcessContext<S> {
  topic: string; // the catalogue name, without namespace
  partition: number;
  offset: string;
  key: string;
  /** The record's Kafka timestamp, epoch ms, and whether the broker (LogAppendTime) or the producer (CreateTime) set it. */
  timestamp?: { ms: number; type: 'LOG_APPEND_TIME' | 'CREATE_TIME' };
  state: StateView<S>;
}

/** A consumed record's timestamp and its type (kafkajs keeps the batch's timestamp type beside each record). */
export function recordTimestamp(
  message: KafkaMessage,
): NonNullable<ProcessContext<unknown>['timestamp']> {
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  return {
    ms: Number(message.timestamp),
    type: context?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
  };
}

export interface TransactionalProcessorOptions<S> {
  name: string; // service name: consumer group, changelog topic, transactional id
  instanceId: string; // stable per instance: a restart with the same id fences its predecessor
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  inputs: string[]; // catalogue names of co-partitioned input topics
  dlqTopic: string; // catalogue name of the DLQ for records that cannot be processed
  initialState: () => S;
  handle: (value: unknown, ctx: ProcessContext<S>) => Promise<Emit[]> | Emit[];
  logger: Logger;
  metrics: Metrics;
  fromBeginning?: boolean;
  /** Partition batches processed at once (kafkajs partitionsConsumedConcurrently); their commits are grouped. Default 12. */
  concurrency?: number;
  /** Lists of the state kept in the changelog item by item (StateChangelog); default none: each value is one record. */
  changelogLists?: readonly AnyChangelogList<S>[];
  /** Readiness and lag settings (defaults: DEFAULT_CONSUMER_HEALTH). */
  health?: Partial<ConsumerHealthSettings>;
}

/**
 * Exactly-once consume → process → produce (docs/ARCHITECTURE.md#exactly-once):
 * per fetched batch, one Kafka transaction carries the output records, the changed state
 * (a compacted changelog topic keyed by customer key) and the consumed offsets. If the
 * process dies mid-batch, the transaction is aborted (fenced by the next instance with the
 * same transactional id), read_committed readers never see its records, and the batch is
 * processed again from the committed offset with the committed state.
 *
 * State is held in memory, restored from the changelog after every (re)assignment (right
 * after the join; a batch waits for it). Each transaction also writes, per input partition, the next
 * offset to the changelog (key `\u0000offset:<topic>:<partition>`), so the changelog alone
 * says which records its state covers. A value is written as it changes: whole, or, for the
 * lists named in `changelogLists`, item by item (StateChangelog), to the changelog partition
 * of the input partition whose batch changed it (the restore reads those of its assignment).
 *
 * Batches of several partitions are processed at once and committed together (GroupCommitter):
 * one transaction per round instead of one per partition batch, one after the other. Batches
 * with the same partition number (co-partitioned inputs: the same customers) never overlap.
 *
 * Limitation of kafkajs: TxnOffsetCommit carries no consumer-group generation (KIP-447), so
 * the broker does not refuse the commit of a member that was removed from the group. The
 * transactional id (per instance) fences only a restart of the same instance, not another
 * instance that took the partitions over. What narrows that window here: heartbeats after
 * every record and before the commit (kafkajs sends one when its 1 s interval has passed;
 * a removed member learns it there, its batch fails and is not committed), heartbeats
 * during a restore, and a session timeout well above one batch's work.
 * A member that stalls between that heartbeat and its commit for longer than the session
 * timeout can still commit a batch its successor also processes: downstream de-duplication
 * by event id absorbs that duplicate.
 */
export class TransactionalProcessor<S> {
  private consumer: Consumer | null = null;
  private producer: RenewableTransactionalProducer | null = null;
  private readonly state: KeyedState<S>;
  private readonly changelog: StateChangelog<S>;
  private assigned = new Set<number>();
  private restored: Promise<void> | null = null;
  /** The last restore started, settled: the next one waits for it, so two never interleave their reads into the state. */
  private restoring: Promise<void> = Promise.resolve();
  /** Floors set by the last restore (`topic:partition` → next offset; the group's or the changelog's, the higher): records below are done. */
  private floors = new Map<string, bigint>();
  private restarting = false;
  /** Batches past restore and not finished: a restore waits for them, so none commits state it would then miss. */
  private readonly active = new Set<Promise<void>>();
  private committer: GroupCommitter | null = null;
  /** Per partition number: the batch under way, so co-partitioned batches take turns. */
  private readonly partitionTurns = new Map<number, Promise<void>>();
  readonly changelogTopic: string;
  /** Readiness (joined, restored, fetching) and the lag gauge. */
  readonly health: ConsumerHealth;

  constructor(private readonly o: TransactionalProcessorOptions<S>) {
    this.state = new KeyedState(o.initialState);
    this.changelog = new StateChangelog(o.changelogLists);
    this.changelogTopic = topicName(o.namespace, `${o.name}.state.v1`);
    this.health = new ConsumerHealth({
      kafka: o.kafka,
      groupId: this.groupId,
      namespace: o.namespace,
      topics: o.inputs,
      restores: true,
      metrics: o.metrics,
      logger: o.logger,
      ...(o.health && { settings: o.health }),
    });
  }

  private get inputTopics(): string[] {
    return this.o.inputs.map((t) => topicName(this.o.namespace, t));
  }

  get groupId(): string {
    return topicName(this.o.namespace, this.o.name);
  }

  async start(): Promise<void> {
    await assertChangelogPartitions(this.o.kafka, this.changelogTopic, this.inputTopics);
    this.producer = new RenewableTransactionalProducer(
      this.o.kafka,
      `${this.groupId}-${this.o.instanceId}`,
      this.o.logger,
    );
    await this.producer.connect();
    await this.startConsumer();
  }

  private stopping = false;

  /**
   * A fresh consumer: it joins the group, starts from the offsets committed with the last
   * transaction, and (GROUP_JOIN) restores the state from the changelog at once. Used at start and
   * after every crash, including kafkajs's non-retriable ones, after which it would stay down.
   */
  private async startConsumer(): Promise<void> {
    const { kafka, namespace, logger } = this.o;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      // A crashed member is noticed after sessionTimeout; rebalances wait at most rebalanceTimeout.
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 1024 * 1024,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.consumer = consumer;
    this.health.watch(consumer);
    const previous = this.committer;
    const committer = new GroupCommitter(this.producer!, this.groupId);
    this.committer = committer;
    if (previous) await previous.close(new Error('the consumer was replaced'));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const mine = new Set<number>();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        if (topic === topicName(namespace, this.o.inputs[0]!))
          for (const p of partitions) mine.add(p);
      }
      this.assigned = mine;
      this.restored = null; // restore again, now: the next batch waits for it, and the service is not ready before
      logger.info({ partitions: [...mine] }, 'partitions assigned');
      this.health.restore(() => this.restore());
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) return; // kafkajs restarts retriable crashes itself
      logger.warn(
        { err: payload.error.message },
        'consumer crashed; starting a new one from the committed offsets',
      );
      this.restored = null;
      if (consumer !== this.consumer || this.restarting) return; // one replacement per crash, however many batches failed
      this.restarting = true;
      this.restartConsumer(consumer);
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: this.o.inputs.map((t) => topicName(namespace, t)),
      fromBeginning: this.o.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency ?? 12,
      eachBatch: (payload) =>
        this.inTurn(payload.batch.partition, () => this.onBatch(payload, committer)),
    });
  }

  /** Runs `work` after the batch under way for the same partition number (of any input topic) has finished. */
  private async inTurn(partition: number, work: () => Promise<void>): Promise<void> {
    const before = this.partitionTurns.get(partition) ?? Promise.resolve();
    const mine = before.then(work, work);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.partitionTurns.set(partition, settled);
    try {
      await mine;
    } finally {
      if (this.partitionTurns.get(partition) === settled) this.partitionTurns.delete(partition);
    }
  }

  /**
   * Replaces a crashed consumer, retrying with backoff for as long as it takes: the crash is
   * often the broker going away, and it may still be away when the first attempt runs.
   */
  private restartConsumer(crashed: Consumer, attempt = 1): void {
    const delay = Math.min(1_000 * 2 ** (attempt - 1), 10_000);
    setTimeout(() => {
      if (this.stopping) return;
      void crashed.disconnect().catch(() => undefined);
      this.startConsumer().then(
        () => (this.restarting = false),
        (error: Error) => {
          this.o.logger.warn({ err: error.message, attempt }, 'consumer restart failed; retrying');
          const failed = this.consumer;
          if (failed && !this.stopping) this.restartConsumer(failed, attempt + 1);
        },
      );
    }, delay);
  }

  /**
   * Right after a join (the service is not ready until it is done, and a batch waits for it;
   * a restore that failed is tried again by the next batch or by ConsumerHealth's retry): the
   * state from the changelog, and the group's committed offsets as a floor below which
   * records are not processed again. Restores run one after the other: the reads of one
   * started for an earlier assignment must not mix into the state of the next.
   *
   * Why the floor: our last transaction may still be completing when the consumer rejoins
   * (EndTxn reached the coordinator but its answer was lost to a broker crash, or the
   * markers are not written yet). kafkajs fetches the starting offsets with OffsetFetch v4,
   * which has no `requireStable` (KIP-447) and returns the offsets from before that
   * transaction; the same records would then be processed and emitted a second time
   * (found by the broker-kill fault test, long mode: 3 duplicate events). A fresh producer
   * with our transactional id returns only once that transaction is complete, so the
   * changelog and the offsets read after it include it, and the records it covered are skipped.
   *
   * The floor is the higher of the group's offset and the `offset:` record the same
   * transactions wrote to the changelog: after `sealChangelog` the changelog includes a transaction
   * whose markers the broker dropped, while its offset commit is still pending in
   * __consumer_offsets (it becomes visible only with our next commit there).
   */
  private restore(): Promise<void> {
    if (this.restored) return this.restored;
    const previous = this.restoring;
    const restored: Promise<void> = this.restoreState(previous).catch((error: unknown) => {
      if (this.restored === restored) this.restored = null; // the next batch (or the retry after the join) tries again
      throw error;
    });
    this.restored = restored;
    this.restoring = restored.catch(() => undefined);
    return restored;
  }

  private async restoreState(previous: Promise<void>): Promise<void> {
    await previous;
    await Promise.all([...this.active]);
    const started = Date.now();
    await this.producer!.renew();
    await sealChangelog(this.o.kafka, this.producer!, this.changelogTopic);
    // The offsets and the changelog must describe the same transactions: a transaction of
    // another instance (the partitions' previous owner) may complete between the reads.
    // Read the offsets before and after the changelog, and again until they agree.
    let count = 0;
    for (let attempt = 1; ; attempt++) {
      const before = await this.committedOffsets();
      this.state.clear();
      const logged = new Map<string, bigint>();
      const restoring = this.changelog.restore(this.o.initialState);
      count = await readChangelog(
        this.o.kafka,
        this.changelogTopic,
        this.assigned,
        (key, value) => {
          if (key.startsWith(OFFSET_KEY)) {
            if (value !== null) logged.set(key.slice(OFFSET_KEY.length), BigInt(value));
          } else if (!isChangelogBookkeeping(key)) {
            restoring.read(key, value);
          }
        },
      );
      for (const [key, value] of restoring.values()) this.state.load(key, value);
      const after = await this.committedOffsets();
      this.floors = new Map(after);
      // The changelog's offsets can be ahead of the group's: a transaction whose markers
      // reached the changelog (through the seal) but whose offset commit was not materialized.
      const ahead: string[] = [];
      const ends = logged.size > 0 ? await this.endOffsets() : new Map<string, bigint>();
      for (const [partition, offset] of logged) {
        if (offset <= (this.floors.get(partition) ?? -1n)) continue;
        // Beyond the partition's end: the input topic was recreated (or truncated); such a
        // floor would hide its new records. The group's offset is used alone there. (A
        // recreated topic that has already grown past the old offset is not detected.)
        if (offset > (ends.get(partition) ?? -1n)) {
          this.o.logger.warn(
            { partition, logged: offset.toString(), end: String(ends.get(partition)) },
            'changelog offset beyond the input partition end: ignored',
          );
          continue;
        }
        ahead.push(`${partition} ${this.floors.get(partition) ?? 'none'} → ${offset}`);
        this.floors.set(partition, offset);
      }
      if (sameOffsets(before, after)) {
        if (ahead.length > 0) {
          this.o.logger.warn(
            { partitions: ahead },
            'the changelog is ahead of the group offsets (a transaction completed without its markers?): floors taken from the changelog',
          );
        }
        break;
      }
      if (attempt === 5)
        throw new Error(
          'the committed offsets kept moving while the changelog was read; restore is retried with the next batch',
        );
      this.o.logger.info(
        { attempt },
        'committed offsets moved while the changelog was read; reading again',
      );
    }
    this.o.logger.info(
      { records: count, keys: this.state.size, ms: Date.now() - started },
      'state restored from changelog',
    );
  }

  /** The end of every input partition as a read_committed consumer sees it (the last stable offset), as `topic:partition` → offset. */
  private async endOffsets(): Promise<Map<string, bigint>> {
    const ends = await withAdmin(this.o.kafka, (admin) => partitionEnds(admin, this.inputTopics));
    return new Map([...ends].map(([key, { high }]) => [key, high]));
  }

  /** The group's committed offsets of every input partition, as `topic:partition` → next offset. */
  private committedOffsets(): Promise<Map<string, bigint>> {
    return withAdmin(this.o.kafka, (admin) => groupOffsets(admin, this.groupId, this.inputTopics));
  }

  private async onBatch(
    { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload,
    committer: GroupCommitter,
  ): Promise<void> {
    if (batch.messages.length === 0) return;
    await whileBeating(heartbeat, this.restore());
    let finished: () => void = () => undefined;
    const done = new Promise<void>((r) => (finished = r));
    this.active.add(done);
    try {
      await this.processBatch(
        { batch, heartbeat, isRunning, isStale, resolveOffset } as EachBatchPayload,
        committer,
      );
    } finally {
      this.active.delete(done);
      finished();
    }
  }

  private async processBatch(
    { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload,
    committer: GroupCommitter,
  ): Promise<void> {
    const { namespace, metrics, codec } = this.o;
    const started = performance.now();
    const catalogueTopic = this.o.inputs.find((t) => topicName(namespace, t) === batch.topic)!;
    const state = this.state.scope();
    const records = new Map<string, Message[]>();
    const push = (topic: string, message: Message): void => {
      const list = records.get(topic) ?? [];
      list.push(message);
      records.set(topic, list);
    };
    const floor = this.floors.get(`${batch.topic}:${batch.partition}`) ?? 0n;
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= floor);
    if (messages.length < batch.messages.length) {
      this.o.logger.info(
        {
          topic: batch.topic,
          partition: batch.partition,
          skipped: batch.messages.length - messages.length,
          floor: floor.toString(),
        },
        'records below the restored floor skipped: a transaction that completed late covered them',
      );
    }
    try {
      for (const message of messages) {
        if (!isRunning() || isStale()) {
          // Stopping, or the partition was revoked or sought: drop the whole batch, commit
          // nothing. Committing offsets up to the batch's end here would skip the records
          // not processed yet (found by the broker-kill fault test in CI).
          state.rollback();
          return;
        }
        const emits = await this.processOne(catalogueTopic, batch.partition, message, state);
        for (const e of emits) {
          push(topicName(namespace, e.topic), {
            key: e.key,
            value: await codec.encode(e.topic, e.value),
          });
          metrics.recordsProduced.inc({ topic: e.topic, type: e.type ?? '' });
        }
        metrics.recordsProcessed.inc({ topic: catalogueTopic });
        await heartbeat(); // throttled by kafkajs; keeps the member alive through slow records (downloads)
      }
      // All below the floor: commit the floor itself (never less: the group's offset may lag
      // it, and committing less would move the changelog's floor back).
      const nextOffset =
        messages.length > 0
          ? (BigInt(messages[messages.length - 1]!.offset) + 1n).toString()
          : floor.toString();
      // The state records go to the batch's partition: the restore reads the changelog partitions of the input partitions it is assigned.
      for (const [key, value, before] of state.changes()) {
        for (const record of this.changelog.write(key, before, value))
          push(this.changelogTopic, { ...record, partition: batch.partition });
      }
      push(this.changelogTopic, {
        key: `${OFFSET_KEY}${batch.topic}:${batch.partition}`,
        value: nextOffset,
        partition: batch.partition,
      });
      // Still a member owning this partition? A heartbeat fails (and so does the batch) if the
      // group rebalanced or removed us; the broker would not refuse the commit (see above).
      // kafkajs sends it only when the heartbeat interval (1 s) has passed since the last one.
      await heartbeat();
      if (isStale()) {
        state.rollback();
        return;
      }
      await committer.commit({
        records,
        topic: batch.topic,
        partition: batch.partition,
        nextOffset,
      });
      this.health.processed(batch.topic, batch.partition, batch.lastOffset());
      this.changelog.committed(state.keys);
      state.commit();
      // Past the floor now; it only guards the first batches after a restore (and must not
      // hide records if the consumer is later reset below it, e.g. after log truncation).
      // A batch wholly below it is followed by more records below it: the floor stays.
      if (messages.length > 0) this.floors.delete(`${batch.topic}:${batch.partition}`);
      resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      await heartbeat();
      metrics.batchDuration.observe({ topic: catalogueTopic }, performance.now() - started);
    } catch (error) {
      state.rollback();
      // Any failure around the transaction: no other batch of this consumer commits, and the
      // next transaction starts with a fresh producer.
      void committer.close(error as Error);
      this.producer?.markBroken();
      metrics.kafkaErrors.inc({ operation: 'transaction' });
      this.o.logger.warn(
        {
          code: errorCode(error),
          err: (error as Error).message,
          topic: batch.topic,
          partition: batch.partition,
        },
        'batch failed; it will be processed again from the committed offset',
      );
      // Whether a failed commit reached the broker is unknown: never retry from memory.
      // A non-retriable error crashes this consumer; its successor (CRASH handler) resumes
      // from the committed offsets with the state of the changelog, whichever way it went.
      throw new KafkaJSNonRetriableError(`transaction failed: ${(error as Error).message}`);
    }
  }

  /** One record; a record that cannot be processed becomes a DLQ record, the partition goes on. */
  private async processOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    state: StateView<S>,
  ): Promise<Emit[]> {
    const key = message.key?.toString() ?? '';
    try {
      const value = await this.o.codec.decode(message.value);
      return await this.o.handle(value, {
        topic,
        partition,
        offset: message.offset,
        key,
        timestamp: recordTimestamp(message),
        state,
      });
    } catch (error) {
      if (isRetriable(error)) throw error;
      const value = deadLetter(error, {
        consumer: this.groupId,
        topic: topicName(this.o.namespace, topic),
        partition,
        message,
        failedAt: Number(message.timestamp),
      });
      this.o.metrics.deadLetters.inc({ topic: this.o.dlqTopic, code: value.errorCode });
      this.o.logger.warn(
        {
          code: value.errorCode,
          err: value.errorMessage,
          topic,
          partition,
          offset: message.offset,
        },
        'record sent to the DLQ',
      );
      return [{ topic: this.o.dlqTopic, key, type: 'DEAD_LETTER', value }];
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.health.stop();
    await this.consumer?.disconnect();
    await this.restoring; // a restore started by the last join uses the producer
    await this.producer?.disconnect();
  }
}

function sameOffsets(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/**
 * Awaits `work` while heartbeating: kafkajs heartbeats only when the handler asks, and a
 * restore (fencing the predecessor, reading the changelog) can outlast the session timeout.
 * A failed heartbeat (the group is rebalancing) is left to the batch's own heartbeats.
 */
export async function whileBeating<T>(
  heartbeat: () => Promise<void>,
  work: Promise<T>,
): Promise<T> {
  const beat = setInterval(() => void heartbeat().catch(() => undefined), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(beat);
  }
}
