import type { Kafka, Producer } from 'kafkajs';
import { createIdempotentProducer, topicName, type SchemaCodec } from '@cpm/kafka';
import type { Metrics } from '@cpm/platform';
import type { AgentCommand } from './console-input';
import { COMMANDS } from './console-feed';
import { CommandNotWrittenError } from './errors';

/** Writes agent commands to agent.commands.v1, keyed by the customer key, acks=all, idempotent. */
export class CommandWriter {
  private readonly producer: Producer;

  constructor(private readonly o: { kafka: Kafka; codec: SchemaCodec; namespace: string; metrics: Metrics }) {
    this.producer = createIdempotentProducer(o.kafka);
  }

  start(): Promise<void> {
    return this.producer.connect();
  }

  async write(customerKey: string, command: AgentCommand): Promise<void> {
    try {
      const value = await this.o.codec.encode(COMMANDS, command);
      await this.producer.send({ topic: topicName(this.o.namespace, COMMANDS), acks: -1, messages: [{ key: customerKey, value }] });
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
