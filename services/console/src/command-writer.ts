import type { Kafka } from 'kafkajs';
import { IdempotentProducer, topicName, type SchemaCodec } from '@cpm/kafka';
import type { Logger, Metrics } from '@cpm/platform';
import type { AgentCommand } from './console-input';
import { COMMANDS } from './console-feed';
import { CommandNotWrittenError } from './errors';

/** Writes agent commands to agent.commands.v1, keyed by the customer key, acks=all, idempotent. */
export class CommandWriter {
  private readonly producer: IdempotentProducer;

  constructor(
    private readonly o: {
      kafka: Kafka;
      codec: SchemaCodec;
      namespace: string;
      metrics: Metrics;
      logger: Logger;
    },
  ) {
    this.producer = new IdempotentProducer(o.kafka, o.logger, { timeoutMs: 10_000 });
  }

  start(): Promise<void> {
    return this.producer.connect();
  }

  async write(customerKey: string, command: AgentCommand): Promise<void> {
    try {
      const value = await this.o.codec.encode(COMMANDS, command);
      await this.producer.send(topicName(this.o.namespace, COMMANDS), [
        { key: customerKey, value },
      ]);
      this.o.metrics.recordsProduced.inc({ topic: COMMANDS, type: command.type });
    } catch (error) {
      this.o.metrics.kafkaErrors.inc({ operation: 'console_command' });
      throw new CommandNotWrittenError(error);
    }
  }

  stop(): Promise<void> {
    return this.producer.disconnect();
  }
}
