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
import { CoPartitionedAssigner } from './co-partitioned-assigner';
import { KeyedState, type StateView } from './keyed-state';
import { StateChangelog, type AnyChangelogList } from './state-changelog';
import { chunks } from './produce-requests';
import { RenewableTransactionalProducer } from './renewable-producer';
import { SERVICE_CONSUMER_RETRY } from './retry-policies';
import type { SchemaCodec } from './schema-codec';
import { topicName } from './topics';

/** What a handler emits: a value for a topic of the catalogue (encoded with its schema). */

/**
 * How long the broker holds a fetch that finds nothing (also bench/e2e/bare.ts's, which
 * compares against the services). It answers as soon as a commit lands, so this is no
 * latency, only how often an idle consumer asks again; 500 ms instead of 50 did not change
 * the CPU an idle service uses (bench:e2e "CPU per webhook" at 100/s, 2026-12-03): what it
 * spends goes to each record's transaction, not to polling.
 */
export const FETCH_MAX_WAIT_MS = 50;

/**
 * How often a transaction also commits its partition's offset to the consumer group. The
 * offset that decides where processing resumes is the `offset:` record of the changelog,
 * written in every transaction (the restore's floor); the group's offset only says where
 * fetching starts after a restart and what the lag gauge shows. Sending it with every
 * transaction took two of its five broker round trips (AddOffsetsToTxn, TxnOffsetCommit;
 * bench/RESULTS.md, "End to end: Kafka's limit per hop"). Between two, a restart re-reads
 * at most this much of a partition and skips it below the floor, and the lag gauge may show
 * as much.
 */
export const GROUP_OFFSETS_EVERY_MS = 1_000;
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
  /**
   * A checkpoint before a side effect that cannot be taken back (a message sent to a
   * customer): commits now, in a transaction of its own, what the batch has done so far
   * (the outputs of earlier records, the state as it is now, with the marker the handler
   * has just set) and the consumed offset up to, not including, this record; then runs
   * `effect` and returns its result. What the handler emits and sets afterwards is committed
   * with the offset past this record by the batch's next commit. A process that dies between
   * the two consumes this record again with the marker in its state, and must not repeat
   * the effect (docs/ARCHITECTURE.md#checkpoint-before-a-side-effect). Rejects, without
   * running `effect`, when the checkpoint cannot be committed.
   */
  commitThen<T>(effect: () => Promise<T>): Promise<T>;
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
  name: string; // service name: consumer group, changelog topic, transactional ids (`<group>.p<n>`)
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
  /** Partition batches processed at once (kafkajs partitionsConsumedConcurrently), each committed by its partition's producer. Default 12. */
  concurrency?: number;
  /** Lists of the state kept in the changelog item by item (StateChangelog); default none: each value is one record. */
  changelogLists?: readonly AnyChangelogList<S>[];
  /** Readiness and lag settings (defaults: DEFAULT_CONSUMER_HEALTH). */
  health?: Partial<ConsumerHealthSettings>;
  /**
   * Awaited right before a batch's transaction starts, its records processed: a seam for
   * tests, to hold a commit while its partition moves to another member. Not for services.
   */
  beforeCommit?: (partition: number) => Promise<void>;
  /**
   * A partition's consumed offset goes to the group (sendOffsets) in at most one transaction
   * per this many ms, and a trailing one commits the last offset once the partition is
   * quiet. Default GROUP_OFFSETS_EVERY_MS.
   */
  groupOffsetsEveryMs?: number;
}

/** One consumer's life: its batches commit only while it is the processor's consumer and none of its transactions failed. */
interface Run {
  consumer: Consumer;
  failed: Error | null;
}

/**
 * Exactly-once consume → process → produce (docs/ARCHITECTURE.md#exactly-once):
 * per fetched batch, one Kafka transaction carries the output records, the changed state
 * (a compacted changelog topic keyed by customer key) and the consumed offset (on the
 * changelog; to the group at most every GROUP_OFFSETS_EVERY_MS). If the
 * process dies mid-batch, the transaction is aborted (fenced by the partition's next owner),
 * read_committed readers never see its records, and the batch is processed again from the
 * committed offset with the committed state.
 *
 * One transactional producer per assigned partition number, transactional id
 * `<group>.p<n>` (Kafka Streams' first exactly-once design, before KIP-447): a batch of input
 * partition n (of any co-partitioned input) commits with producer n, and only producer n
 * writes changelog partition n. The restore after every assignment initializes the producers
 * of the assigned numbers (InitProducerId) before it reads anything: that fences the
 * previous owner's producer n, whichever instance it was, and completes or aborts its
 * transaction. A member that lost partition n without knowing it (stopped past its session
 * timeout, cut off) then cannot commit: its transaction of the old epoch fails
 * (INVALID_PRODUCER_EPOCH), its batch is dropped and its consumer replaced. Either its commit
 * was complete before the new owner's InitProducerId returned, and the new owner's restore
 * reads it, or it is refused. No timing is involved; kafkajs's TxnOffsetCommit carries no
 * group generation (KIP-447), and none is needed. A group's members are assigned with
 * CoPartitionedAssigner, so partition n of every input belongs to one member.
 *
 * State is held in memory, restored from the changelog after every (re)assignment (right
 * after the join; a batch waits for it). Each transaction also writes, per input partition, the next
 * offset to the changelog (key `\u0000offset:<topic>:<partition>`), so the changelog alone
 * says which records its state covers. A value is written as it changes: whole, or, for the
 * lists named in `changelogLists`, item by item (StateChangelog), to the changelog partition
 * of the input partition whose batch changed it (the restore reads those of its assignment).
 *
 * A side effect outside Kafka goes behind a checkpoint (ctx.commitThen): the batch so far is
 * committed, offset up to the record, before the effect runs (the same `commit` as at the
 * batch's end).
 *
 * Batches of several partitions are processed and committed at once, each by its own
 * producer. Batches with the same partition number (co-partitioned inputs: the same
 * customers, the same producer) never overlap.
 */
export class TransactionalProcessor<S> {
  private consumer: Consumer | null = null;
  /** The current consumer's run; a replaced or failed run commits nothing more. */
  private run: Run | null = null;
  /** Partition number → its producer, (re)initialized by the restore of the assignment that holds it. */
  private readonly producers = new Map<number, RenewableTransactionalProducer>();
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
  /** Per partition number: the batch under way, so co-partitioned batches take turns. */
  private readonly partitionTurns = new Map<number, Promise<void>>();
  /** `topic:partition` → when a transaction last committed its offset to the group, and which. */
  private readonly groupOffsetsAt = new Map<string, { at: number; offset: bigint }>();
  /** `topic:partition` → the offset a transaction committed without sending it to the group, and the timer that will. */
  private readonly deferredOffsets = new Map<
    string,
    { run: Run; topic: string; partition: number; offset: string; timer: NodeJS.Timeout }
  >();
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

  /** The transactional id of input partition number `partition`: the same in every instance. */
  transactionalId(partition: number): string {
    return `${this.groupId}.p${partition}`;
  }

  async start(): Promise<void> {
    await assertChangelogPartitions(this.o.kafka, this.changelogTopic, this.inputTopics);
    await this.startConsumer();
  }

  private stopping = false;

  /**
   * A fresh consumer: it joins the group, starts from the offsets committed with the last
   * transaction, and (GROUP_JOIN) restores the state from the changelog at once. Used at start and
   * after every crash, including kafkajs's non-retriable ones, after which it would stay down.
   */
  private async startConsumer(): Promise<void> {
    const { kafka, logger } = this.o;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      partitionAssigners: [CoPartitionedAssigner],
      // A crashed member is noticed after sessionTimeout; rebalances wait at most rebalanceTimeout.
      sessionTimeout: 10_000,
      rebalanceTimeout: 15_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      maxBytesPerPartition: 1024 * 1024,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.consumer = consumer;
    this.health.watch(consumer);
    if (this.run) this.run.failed ??= new Error('the consumer was replaced');
    const run: Run = { consumer, failed: null };
    this.run = run;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const mine = new Set<number>();
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        if (this.inputTopics.includes(topic)) for (const p of partitions) mine.add(p);
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
      topics: this.inputTopics,
      fromBeginning: this.o.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.concurrency ?? 12,
      eachBatch: (payload) =>
        this.inTurn(payload.batch.partition, () => this.onBatch(payload, run)),
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
   * producers of the assigned partition numbers, the state from the changelog, and the
   * group's committed offsets as a floor below which records are not processed again.
   * Restores run one after the other: the reads of one started for an earlier assignment
   * must not mix into the state of the next.
   *
   * The producers first (`takeProducers`): each one's InitProducerId fences the partition's
   * previous owner and returns only once its last transaction is complete (committed with
   * its markers written, or aborted). From then on nobody else commits to these partitions'
   * changelog and offsets, so one read of each describes the same transactions.
   *
   * Why the floor: a transaction may still have been completing when the consumer joined
   * (EndTxn reached the coordinator but its answer was lost to a broker crash, the markers
   * were not written yet, or the previous owner committed while this member was joining).
   * kafkajs fetches the starting offsets with OffsetFetch v4, which has no `requireStable`
   * (KIP-447) and returns the offsets from before that transaction; the same records would
   * then be processed and emitted a second time (found by the broker-kill fault test, long
   * mode: 3 duplicate events). The offsets read after the producers' InitProducerId include
   * it, and the records it covered are skipped.
   *
   * The floor is the higher of the group's offset and the `offset:` record the same
   * transactions wrote to the changelog: after `sealChangelog` the changelog includes a transaction
   * whose markers the broker dropped, while its offset commit is still pending in
   * __consumer_offsets (it becomes visible only with the next commit there).
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
    const assigned = new Set(this.assigned);
    await this.takeProducers(assigned);
    const offsets = await this.committedOffsets(assigned);
    this.state.clear();
    const logged = new Map<string, bigint>();
    const restoring = this.changelog.restore(this.o.initialState);
    const count = await readChangelog(this.o.kafka, this.changelogTopic, assigned, (key, value) => {
      if (key.startsWith(OFFSET_KEY)) {
        if (value !== null) logged.set(key.slice(OFFSET_KEY.length), BigInt(value));
      } else if (!isChangelogBookkeeping(key)) {
        restoring.read(key, value);
      }
    });
    for (const [key, value] of restoring.values()) this.state.load(key, value);
    this.floors = offsets;
    // The changelog's offsets can be ahead of the group's: transactions since the last group
    // offset (GROUP_OFFSETS_EVERY_MS), or one whose markers reached the changelog (through the
    // seal) but whose offset commit was not materialized.
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
    if (ahead.length > 0) {
      this.o.logger.info(
        { partitions: ahead },
        'the changelog is ahead of the group offsets (offsets not sent to the group yet, or a transaction completed without its markers): floors taken from the changelog',
      );
    }
    this.o.logger.info(
      { records: count, keys: this.state.size, ms: Date.now() - started },
      'state restored from changelog',
    );
  }

  /**
   * Makes this instance the only writer of `partitions` (their partition numbers): a new
   * producer per number, whose InitProducerId fences every earlier producer of that
   * transactional id (ours, or another instance's) and completes its last transaction; then
   * seals their changelog partitions with them. Producers of numbers no longer assigned are
   * closed: another member owns them now (it has fenced them, or will), and a producer kept
   * idle would hold connections for nothing; if a number comes back, it gets a new producer
   * anyway, since only a fresh InitProducerId makes what the restore reads complete.
   */
  private async takeProducers(partitions: Set<number>): Promise<void> {
    const { kafka, logger } = this.o;
    const old = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(old.map((p) => p.disconnect().catch(() => undefined)));
    const taken = await Promise.allSettled(
      [...partitions].map(async (n) => {
        const producer = new RenewableTransactionalProducer(kafka, this.transactionalId(n), logger);
        await producer.connect();
        return [n, producer] as const;
      }),
    );
    for (const t of taken) if (t.status === 'fulfilled') this.producers.set(...t.value);
    const failed = taken.find((t) => t.status === 'rejected');
    if (failed) throw failed.reason;
    await sealChangelog(kafka, this.producers, this.changelogTopic);
  }

  /** The end of every input partition as a read_committed consumer sees it (the last stable offset), as `topic:partition` → offset. */
  private async endOffsets(): Promise<Map<string, bigint>> {
    const ends = await withAdmin(this.o.kafka, (admin) => partitionEnds(admin, this.inputTopics));
    return new Map([...ends].map(([key, { high }]) => [key, high]));
  }

  /** The group's committed offsets of the input partitions numbered `partitions`, as `topic:partition` → next offset. */
  private async committedOffsets(partitions: Set<number>): Promise<Map<string, bigint>> {
    const all = await withAdmin(this.o.kafka, (admin) =>
      groupOffsets(admin, this.groupId, this.inputTopics),
    );
    return new Map(
      [...all].filter(([key]) => partitions.has(Number(key.slice(key.lastIndexOf(':') + 1)))),
    );
  }

  private async onBatch(payload: EachBatchPayload, run: Run): Promise<void> {
    if (payload.batch.messages.length === 0) return;
    await whileBeating(payload.heartbeat, this.restore());
    let finished: () => void = () => undefined;
    const done = new Promise<void>((r) => (finished = r));
    this.active.add(done);
    try {
      await this.processBatch(payload, run);
    } finally {
      this.active.delete(done);
      finished();
    }
  }

  private async processBatch(
    { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload,
    run: Run,
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
    let committing = false;
    let previous: string | null = null; // the last record processed
    let checkpointed = false; // a checkpoint committed part of this batch, and its effect ran
    /**
     * The one way this batch commits: the records pushed so far, the state it changed (to
     * the changelog partition of the batch's partition, which the restore reads for it) and
     * `nextOffset`, in one transaction of this partition number's producer. Once it
     * returns, the state is committed and the records are sent; the batch may go on.
     */
    const commit = async (nextOffset: string): Promise<void> => {
      for (const [key, value, before] of state.changes()) {
        for (const record of this.changelog.write(key, before, value))
          push(this.changelogTopic, { ...record, partition: batch.partition });
      }
      push(this.changelogTopic, {
        key: `${OFFSET_KEY}${batch.topic}:${batch.partition}`,
        value: nextOffset,
        partition: batch.partition,
      });
      await this.o.beforeCommit?.(batch.partition);
      committing = true;
      await this.transaction(run, batch.topic, batch.partition, records, nextOffset);
      committing = false;
      this.changelog.committed(state.keys);
      state.commit();
      records.clear();
      if (previous !== null) resolveOffset(previous);
    };
    /** Commits the records processed so far (their effects are done): offset past `previous`. */
    const commitProcessed = (): Promise<void> => commit((BigInt(previous!) + 1n).toString());
    try {
      for (const message of messages) {
        if (!isRunning() || isStale()) {
          // Stopping, or the partition was sought: drop the rest of the batch. Committing
          // offsets up to the batch's end here would skip the records not processed yet
          // (found by the broker-kill fault test in CI). After a checkpoint, a stopping
          // consumer commits the records it has processed: their side effects are done and
          // must not be left unrecorded (if the partition has moved, the commit is fenced).
          if (checkpointed && !isStale() && previous !== null) await commitProcessed();
          state.rollback();
          return;
        }
        const commitThen = async <T>(effect: () => Promise<T>): Promise<T> => {
          try {
            await commit(message.offset);
          } catch (error) {
            throw new CheckpointFailed(error);
          }
          checkpointed = true;
          return whileBeating(heartbeat, effect()); // a send with retries can outlast the session timeout
        };
        const emits = await this.processOne(
          catalogueTopic,
          batch.partition,
          message,
          state,
          commitThen,
        );
        previous = message.offset;
        for (const e of emits) {
          push(topicName(namespace, e.topic), {
            key: e.key,
            value: await codec.encode(e.topic, e.value),
          });
          metrics.recordsProduced.inc({ topic: e.topic, type: e.type ?? '' });
        }
        metrics.recordsProcessed.inc({ topic: catalogueTopic });
        try {
          await heartbeat(); // throttled by kafkajs; keeps the member alive through slow records (downloads)
        } catch (error) {
          // A rebalance starts while effects of this batch are not recorded: record them (and
          // only them) now, while the partition is still ours (eager protocol: nothing moves
          // before we rejoin), and leave the rest; kafkajs then rejoins. Were it not ours any
          // more, the commit would be fenced.
          if (checkpointed && isRejoin(error)) await commitProcessed();
          throw error;
        }
      }
      // All below the floor: commit the floor itself (never less: the group's offset may lag
      // it, and committing less would move the changelog's floor back).
      await commit(
        messages.length > 0
          ? (BigInt(messages[messages.length - 1]!.offset) + 1n).toString()
          : floor.toString(),
      );
      this.health.processed(batch.topic, batch.partition, batch.lastOffset());
      // Past the floor now; it only guards the first batches after a restore (and must not
      // hide records if the consumer is later reset below it, e.g. after log truncation).
      // A batch wholly below it is followed by more records below it: the floor stays.
      if (messages.length > 0) this.floors.delete(`${batch.topic}:${batch.partition}`);
      resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      metrics.batchDuration.observe({ topic: catalogueTopic }, performance.now() - started);
      await heartbeat();
    } catch (caught) {
      state.rollback();
      const error = caught instanceof CheckpointFailed ? caught.reason : caught;
      const context = {
        code: errorCode(error),
        err: (error as Error).message,
        topic: batch.topic,
        partition: batch.partition,
      };
      if (!committing && isRejoin(error)) {
        // A heartbeat said the group is rebalancing (or no longer knows this member), and no
        // transaction of the batch is open: kafkajs rejoins in place (runner.js), and the
        // records not committed come again from the committed offset. Crashing instead would
        // replace the consumer, and its new member would rebalance the whole group once more.
        this.o.logger.info(context, 'the group is rebalancing: rejoining');
        throw error;
      }
      metrics.kafkaErrors.inc({ operation: 'transaction' });
      this.o.logger.warn(
        context,
        isFenced(error)
          ? 'commit refused: another member has taken this partition over (our producer is fenced); batch dropped, the consumer rejoins'
          : 'batch failed; it will be processed again from the committed offset',
      );
      // Whether a failed commit reached the broker is unknown: never retry from memory.
      // A non-retriable error crashes this consumer; its successor (CRASH handler) joins the
      // group and restores what it is assigned then, whichever way the commit went.
      throw new KafkaJSNonRetriableError(`transaction failed: ${(error as Error).message}`);
    }
  }

  /**
   * One transaction of partition number `partition`'s producer: `records` and the offset
   * `nextOffset` of `topic`'s partition. Refused once a transaction of this run failed or
   * the run's consumer was replaced: a producer is initialized only by a restore, and a
   * batch of a consumer whose partitions were restored again must not commit through the
   * new producers. A failure fails the run.
   */
  private async transaction(
    run: Run,
    topic: string,
    partition: number,
    records: Map<string, Message[]>,
    nextOffset: string,
  ): Promise<void> {
    try {
      if (run.failed) throw run.failed;
      if (run !== this.run) throw new Error('the consumer was replaced');
      const producer = this.producers.get(partition);
      if (!producer) throw new Error(`partition ${partition} has no producer: not restored here`);
      const key = `${topic}:${partition}`;
      const now = Date.now();
      const withGroupOffset =
        now - (this.groupOffsetsAt.get(key)?.at ?? 0) >= this.groupOffsetsEveryMs;
      await producer.inTransaction(async (tx) => {
        for (const topicMessages of chunks(records))
          await tx.sendBatch({ acks: -1, topicMessages });
        if (withGroupOffset)
          await tx.sendOffsets({
            consumerGroupId: this.groupId,
            topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }],
          });
      });
      if (withGroupOffset) {
        this.groupOffsetsAt.set(key, { at: now, offset: BigInt(nextOffset) });
        const deferred = this.deferredOffsets.get(key);
        if (deferred) clearTimeout(deferred.timer);
        this.deferredOffsets.delete(key);
      } else this.deferGroupOffset(run, topic, partition, nextOffset);
    } catch (error) {
      run.failed ??= error as Error;
      throw error;
    }
  }

  private get groupOffsetsEveryMs(): number {
    return this.o.groupOffsetsEveryMs ?? GROUP_OFFSETS_EVERY_MS;
  }

  /** Keeps `offset` to send to the group when the partition has been quiet for a while. */
  private deferGroupOffset(run: Run, topic: string, partition: number, offset: string): void {
    const key = `${topic}:${partition}`;
    const pending = this.deferredOffsets.get(key);
    const timer =
      pending?.timer ??
      setTimeout(() => void this.flushGroupOffset(key), this.groupOffsetsEveryMs).unref();
    this.deferredOffsets.set(key, { run, topic, partition, offset, timer });
  }

  /**
   * The trailing commit of a deferred group offset: a transaction with the offset alone, by
   * the partition's producer, in the partition's turn (never beside one of its batches),
   * counted as active while it runs (a restore waits for it; not while it waits for its
   * turn, which may be behind a batch waiting for that restore). Nothing is lost if it fails
   * or is skipped (the consumer was replaced, the partition moved, a newer offset went
   * first): the changelog holds the offset.
   */
  private flushGroupOffset(key: string): Promise<void> {
    const deferred = this.deferredOffsets.get(key);
    if (!deferred) return Promise.resolve();
    clearTimeout(deferred.timer);
    this.deferredOffsets.delete(key);
    const { run, topic, partition, offset } = deferred;
    return this.inTurn(partition, async () => {
      const producer = this.producers.get(partition);
      if (run !== this.run || run.failed || !producer || !this.assigned.has(partition)) return;
      if (BigInt(offset) <= (this.groupOffsetsAt.get(key)?.offset ?? -1n)) return;
      const running = producer.inTransaction((tx) =>
        tx.sendOffsets({
          consumerGroupId: this.groupId,
          topics: [{ topic, partitions: [{ partition, offset }] }],
        }),
      );
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      this.active.add(settled);
      try {
        await running;
      } finally {
        this.active.delete(settled);
      }
      this.groupOffsetsAt.set(key, { at: Date.now(), offset: BigInt(offset) });
    }).catch((error: Error) =>
      this.o.logger.info(
        { topic, partition, err: error.message },
        'group offset not committed (the changelog has it; the next transaction sends it)',
      ),
    );
  }

  /** One record; a record that cannot be processed becomes a DLQ record, the partition goes on. */
  private async processOne(
    topic: string,
    partition: number,
    message: KafkaMessage,
    state: StateView<S>,
    commitThen: ProcessContext<S>['commitThen'],
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
        commitThen,
      });
    } catch (error) {
      // A failed checkpoint is the transaction's failure, never the record's.
      if (isRetriable(error) || error instanceof CheckpointFailed) throw error;
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
    // The last offsets to the group while the partitions are still ours, so the next owner
    // does not fetch (and skip) what this member already did.
    await Promise.all([...this.deferredOffsets.keys()].map((key) => this.flushGroupOffset(key)));
    await this.consumer?.disconnect();
    await this.restoring; // a restore started by the last join uses the producers
    await Promise.all([...this.producers.values()].map((p) => p.disconnect()));
    this.producers.clear();
  }
}

/** A checkpoint (ctx.commitThen) that committed nothing; its effect did not run. */
class CheckpointFailed extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/** An error after which kafkajs's runner rejoins the group itself (runner.js scheduleFetchManager). */
function isRejoin(error: unknown): boolean {
  const type = (error as { type?: string }).type;
  return (
    type === 'REBALANCE_IN_PROGRESS' ||
    type === 'ILLEGAL_GENERATION' ||
    type === 'NOT_COORDINATOR_FOR_GROUP' ||
    type === 'UNKNOWN_MEMBER_ID'
  );
}

/** A transaction refused because a newer producer of its transactional id was initialized. */
export function isFenced(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED') return true;
  return false;
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
