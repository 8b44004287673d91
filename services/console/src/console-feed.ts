import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { topicName, type SchemaCodec, SERVICE_CONSUMER_RETRY } from '@cpm/kafka';
import { processName, type Logger, type Metrics } from '@cpm/platform';
import type { TemplateCatalogue } from '@cpm/contracts/template-catalogue';
import type { AgentCommand, AgentEvent, ConsoleInput, OutboundOutcome } from './console-input';

export const EVENTS = 'agent.events.v1';
export const COMMANDS = 'agent.commands.v1';
export const OUTBOUND = 'sinch.outbound.v1';
export const TEMPLATES = 'sinch.templates.v1';

const KIND: Record<string, ConsoleInput['kind']> = {
  [EVENTS]: 'event',
  [COMMANDS]: 'command',
  [OUTBOUND]: 'outcome',
};

/**
 * Feeds the console from the log: agent events, the agents' commands and their outcomes
 * (and, aside, the WhatsApp template catalogue of sinch.templates.v1),
 * read_committed, from the beginning (the page shows history), in a consumer group of its
 * own per start so every instance sees every partition. A record it cannot decode is
 * counted and skipped: the console only shows, it never blocks the pipeline.
 */
export class ConsoleFeed {
  private consumer: Consumer | null = null;
  private joined = false;
  readonly groupId: string;

  constructor(
    private readonly o: {
      kafka: Kafka;
      codec: SchemaCodec;
      namespace: string;
      logger: Logger;
      metrics: Metrics;
      apply: (input: ConsoleInput) => void;
      /** A template catalogue (sinch.templates.v1), the last one per project wins. */
      catalogue: (catalogue: TemplateCatalogue) => void;
    },
  ) {
    this.groupId = `console-${processName()}-${randomBytes(4).toString('hex')}`;
  }

  get ready(): boolean {
    return this.joined;
  }

  async start(): Promise<void> {
    const { kafka, codec, namespace, logger, metrics } = this.o;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 200,
      retry: SERVICE_CONSUMER_RETRY,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    await consumer.connect();
    const byFullName = new Map(
      [...Object.keys(KIND), TEMPLATES].map((t) => [topicName(namespace, t), t]),
    );
    await consumer.subscribe({ topics: [...byFullName.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachMessage: async ({ topic, message }) => {
        const name = byFullName.get(topic) ?? topic;
        try {
          if (!message.value) throw new Error('tombstone');
          const value = await codec.decode<Record<string, unknown>>(message.value);
          if (name === TEMPLATES) {
            this.o.catalogue(value as unknown as TemplateCatalogue);
            metrics.recordsProcessed.inc({ topic: name });
            return;
          }
          const customerKey = message.key?.toString() || String(value.customerKey ?? '');
          this.o.apply(inputOf(KIND[name]!, customerKey, value));
          metrics.recordsProcessed.inc({ topic: name });
        } catch (error) {
          metrics.consoleRecordsSkipped.inc({ topic: name });
          logger.warn(
            { topic, offset: message.offset, err: (error as Error).message },
            'record skipped by the console',
          );
        }
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    if (!consumer) return;
    await consumer.disconnect();
    const admin = this.o.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function inputOf(
  kind: ConsoleInput['kind'],
  customerKey: string,
  value: Record<string, unknown>,
): ConsoleInput {
  switch (kind) {
    case 'event':
      return {
        kind,
        customerKey,
        event: { ...(value as unknown as AgentEvent), occurredAt: Number(value.occurredAt) },
      };
    case 'command':
      return {
        kind,
        customerKey,
        command: { ...(value as unknown as AgentCommand), createdAt: Number(value.createdAt) },
      };
    case 'outcome':
      return { kind, customerKey, outcome: value as unknown as OutboundOutcome };
  }
}
