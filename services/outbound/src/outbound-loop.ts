import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import {
  ConsumerHealth,
  type ConsumerHealthSettings,
  deadLetter,
  isChangelogBookkeeping,
  KeyedState,
  readChangelog,
  sealChangelog,
  topicName,
  whileBeating,
  type SchemaCodec,
  RenewableTransactionalProducer,
  SERVICE_CONSUMER_RETRY,
} from '@cpm/kafka';
import { sinchTimeToMs, type ConversationEvent } from '@cpm/domain';
import { errorCode, isRetriable, type Logger, type Metrics } from '@cpm/platform';
import type { AgentCommand } from './agent-command';
import { decideCommand } from './decide-command';
import { outboundRecord, type Outcome } from './outbound-record';
import {
  initialOutboundState,
  withCommand,
  withInbound,
  type OutboundState,
} from './outbound-state';
import type { SinchSender } from './sinch-sender';

export const COMMANDS = 'agent.commands.v1';
export const EVENTS = 'conversation.events.v1';
export const OUTBOUND = 'sinch.outbound.v1';
export const DLQ = 'sinch.outbound.v1.dlq';
export const UNKNOWN_OUTCOME = 'UNKNOWN_OUTCOME_AFTER_RESTART';

export interface OutboundLoopOptions {
  name: string; // consumer group, changelog `<name>.state.v1`, transactional id
  instanceId: string;
  kafka: Kafka;
  codec: SchemaCodec;
  namespace: string;
  sender: SinchSender;
  handledCapacity: number;
  logger: Logger;
  metrics: Metrics;
  /** Readiness and lag settings (defaults: DEFAULT_CONSUMER_HEALTH). */
  health?: Partial<ConsumerHealthSettings>;
}

/**
 * The outbound service's exactly-once loop. TransactionalProcessor commits one transaction per
 * batch, but a call to Sinch cannot be part of a Kafka transaction, so this loop closes the
 * crash window itself, per command that calls Sinch:
 *   1. transaction: the outputs so far, the state with the command marked SENDING, and the
 *      consumed offset up to (not including) the command;
 *   2. the Sinch call (rate limit, retries);
 *   3. the outcome record, the command marked DONE and the offset past it go into the next
 *      transaction (with whatever follows in the batch).
 * If the process dies between 1 and 3, the command is consumed again, found SENDING, and not
 * sent again: it is recorded FAILED with UNKNOWN_OUTCOME_AFTER_RESTART (at most once; the
 * agent decides whether to resend). Commands that call nothing (rejections, duplicates) and
 * conversation events (the customer's last inbound time) ride in the batch's transaction.
 */
export class OutboundLoop {
  private consumer: Consumer | null = null;
  private producer: RenewableTransactionalProducer | null = null;
  private readonly state = new KeyedState<OutboundState>(initialOutboundState);
  private assigned = new Set<number>();
  private restored: Promise<void> | null = null;
  /** The last restore started, settled: the next one waits for it, so two never interleave their reads into the state. */
  private restoring: Promise<void> = Promise.resolve();
  /** The batch past its restore and not finished: a restore waits for it, so none commits state the restore would then miss. */
  private active: Promise<void> = Promise.resolve();
  readonly changelogTopic: string;
  /** Readiness (joined, restored, fetching) and the lag gauge. */
  readonly health: ConsumerHealth;

  constructor(private readonly o: OutboundLoopOptions) {
    this.changelogTopic = topicName(o.namespace, `${o.name}.state.v1`);
    this.health = new ConsumerHealth({
      kafka: o.kafka,
      groupId: this.groupId,
      namespace: o.namespace,
      topics: [EVENTS, COMMANDS],
      restores: true,
      metrics: o.metrics,
      logger: o.logger,
      ...(o.health && { settings: o.health }),
    });
  }

  get groupId(): string {
    return topicName(this.o.namespace, this.o.name);
  }

  async start(): Promise<void> {
    const { kafka, namespace, logger } = this.o;
    this.producer = new RenewableTransactionalProducer(
      kafka,
      `${this.groupId}-${this.o.instanceId}`,
      logger,
    );
    await this.producer.connect();
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: 30_000, // a send may wait for retries; heartbeats are sent between attempts
      rebalanceTimeout: 35_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 50,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.health.watch(this.consumer);
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = new Set(payload.memberAssignment[topicName(namespace, COMMANDS)] ?? []);
      this.restored = null; // restore again, now: the next batch waits for it, and the service is not ready before
      logger.info({ partitions: [...this.assigned] }, 'partitions assigned');
      this.health.restore(() => this.restore());
    });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [topicName(namespace, EVENTS), topicName(namespace, COMMANDS)],
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * The state from the changelog, right after a join (the service is not ready until it is
   * done, and a batch waits for it). The producer is
   * renewed first: the new one's InitProducerId returns only once our last transaction is
   * complete, so a SENDING or DONE marker whose commit was still completing (its answer lost
   * to a broker crash) is in what is read, and its command is not sent a second time.
   * Restores run one after the other, after the batch under way.
   */
  private restore(): Promise<void> {
    if (this.restored) return this.restored;
    const previous = Promise.all([this.restoring, this.active]);
    const restored: Promise<void> = (async () => {
      await previous;
      await this.producer!.renew();
      // A transaction the broker completed without markers would hide a SENDING or DONE marker.
      await sealChangelog(this.o.kafka, this.producer!, this.changelogTopic);
      this.state.clear();
      const count = await readChangelog(
        this.o.kafka,
        this.changelogTopic,
        this.assigned,
        (key, value) => {
          if (!isChangelogBookkeeping(key))
            this.state.load(key, value === null ? null : (JSON.parse(value) as OutboundState));
        },
      );
      this.o.logger.info(
        { records: count, keys: this.state.size },
        'state restored from changelog',
      );
    })().catch((error: unknown) => {
      if (this.restored === restored) this.restored = null; // the next batch (or the retry after the join) tries again
      throw error;
    });
    this.restored = restored;
    this.restoring = restored.catch(() => undefined);
    return restored;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    if (payload.batch.messages.length === 0) return;
    await whileBeating(payload.heartbeat, this.restore());
    const work = this.processBatch(payload);
    this.active = work.catch(() => undefined);
    await work;
  }

  private async processBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: EachBatchPayload): Promise<void> {
    const { namespace, metrics } = this.o;
    const topic = batch.topic === topicName(namespace, COMMANDS) ? COMMANDS : EVENTS;
    const pending: { topic: string; message: Message }[] = [];
    let done: string | null = null; // offset of the last message whose effects are in `pending`
    const commit = async (nextOffset: string): Promise<void> => {
      const outputs = [...pending];
      for (const [key, value] of this.state.changes())
        outputs.push({
          topic: this.changelogTopic,
          message: { key, value: JSON.stringify(value) },
        });
      const byTopic = new Map<string, Message[]>();
      for (const { topic: t, message } of outputs)
        byTopic.set(t, [...(byTopic.get(t) ?? []), message]);
      await this.producer!.inTransaction(async (tx) => {
        if (byTopic.size > 0)
          await tx.sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([t, messages]) => ({ topic: t, messages })),
          });
        await tx.sendOffsets({
          consumerGroupId: this.groupId,
          topics: [
            {
              topic: batch.topic,
              partitions: [{ partition: batch.partition, offset: nextOffset }],
            },
          ],
        });
      });
      this.state.commit();
      pending.length = 0;
      if (done !== null) resolveOffset(done);
      await heartbeat();
    };
    let whole = true; // every message of the batch handled (none left for a stop or a rebalance)
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) {
          whole = false;
          break;
        }
        const key = message.key?.toString() ?? '';
        let value: unknown;
        try {
          value = await this.o.codec.decode(message.value);
        } catch (error) {
          if (isRetriable(error)) throw error;
          pending.push(await this.deadLetter(topic, batch.partition, message, error));
          done = message.offset;
          continue;
        }
        if (topic === EVENTS) this.onEvent(key, value as ConversationEvent);
        else
          await this.onCommand(
            key,
            value as AgentCommand,
            message,
            pending,
            () => commit(message.offset),
            heartbeat,
          );
        done = message.offset;
        metrics.recordsProcessed.inc({ topic });
      }
      if (done !== null) await commit((BigInt(done) + 1n).toString());
      if (whole) this.health.processed(batch.topic, batch.partition, batch.lastOffset());
    } catch (error) {
      this.state.rollback();
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
      throw error;
    }
  }

  /** A customer message: remember its accept time on its channel (the WhatsApp window). */
  private onEvent(key: string, event: ConversationEvent): void {
    if (event.type !== 'MESSAGE_RECEIVED') return;
    const acceptMs = sinchTimeToMs(event.message?.acceptedAt) ?? Number(event.occurredAtMs);
    const state = this.state.get(key);
    const next = withInbound(state, event.channel, acceptMs);
    if (next !== state) this.state.set(key, next);
  }

  private async onCommand(
    key: string,
    command: AgentCommand,
    message: KafkaMessage,
    pending: { topic: string; message: Message }[],
    commitBefore: () => Promise<void>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { metrics, logger, handledCapacity } = this.o;
    const state = this.state.get(key);
    const decision = decideCommand(command, state);
    let outcome: Outcome;
    switch (decision.action) {
      case 'skip':
        metrics.duplicatesDropped.inc({ type: command.type });
        logger.info({ commandId: command.commandId }, 'command already handled; not sent again');
        return;
      case 'unknown-outcome':
        outcome = {
          outcome: 'FAILED',
          attempt: 1,
          errorCode: UNKNOWN_OUTCOME,
          errorMessage:
            'the service stopped while sending this command; Sinch may or may not have accepted it, so it is not sent again',
        };
        break;
      case 'reject':
        outcome = {
          outcome: 'REJECTED',
          attempt: 1,
          errorCode: decision.refusal.code,
          errorMessage: decision.refusal.message,
        };
        break;
      case 'send':
        this.state.set(key, withCommand(state, command.commandId, 'SENDING', handledCapacity));
        await commitBefore(); // the SENDING marker is durable before Sinch is called
        outcome = await this.o.sender.execute(decision.plan, command.appId);
        await heartbeat();
        break;
    }
    this.state.set(
      key,
      withCommand(this.state.get(key), command.commandId, 'DONE', handledCapacity),
    );
    const record = outboundRecord(command, key, outcome, Date.now());
    pending.push({
      topic: topicName(this.o.namespace, OUTBOUND),
      message: { key, value: await this.o.codec.encode(OUTBOUND, record) },
    });
    metrics.outboundSends.inc({ type: command.type, outcome: outcome.outcome });
    metrics.recordsProduced.inc({ topic: OUTBOUND, type: outcome.outcome });
    logger.info(
      {
        commandId: command.commandId,
        outcome: outcome.outcome,
        code: outcome.errorCode ?? null,
        offset: message.offset,
      },
      'command handled',
    );
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
  ): Promise<{ topic: string; message: Message }> {
    const value = deadLetter(error, {
      consumer: this.groupId,
      topic: topicName(this.o.namespace, topic),
      partition,
      message,
      failedAt: Number(message.timestamp),
    });
    this.o.metrics.deadLetters.inc({ topic: DLQ, code: value.errorCode });
    this.o.logger.warn(
      { code: value.errorCode, err: value.errorMessage, topic, partition, offset: message.offset },
      'record sent to the DLQ',
    );
    return {
      topic: topicName(this.o.namespace, DLQ),
      message: { key: message.key, value: await this.o.codec.encode(DLQ, value) },
    };
  }

  async stop(): Promise<void> {
    await this.health.stop();
    await this.consumer?.disconnect();
    await this.restoring; // a restore started by the last join uses the producer
    await this.producer?.disconnect();
  }
}
