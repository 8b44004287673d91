import { COMPATIBILITY, SchemaType } from '@kafkajs/confluent-schema-registry';
import {
  readSchema,
  registryClient,
  SchemaCodec,
  SchemaRegistryError,
  subjectOf,
  topicName,
  topicSpec,
  type TopicSpec,
} from '@cpm/kafka';

/** Catalogue names of what one run writes: the product topic and its DLQ, or their shadows in a replay. */
export interface OutputTopics {
  output: string;
  dlq: string;
  /** Specs of topics outside the catalogue (shadows) to create; empty for the product topic. */
  extraSpecs: TopicSpec[];
}

/** `agent.events.v1` + suffix; a shadow has the same schema and settings under its own name. */
export function outputTopics(suffix: string): OutputTopics {
  const output = `agent.events.v1${suffix}`;
  const dlq = `${output}.dlq`;
  if (suffix === '') return { output, dlq, extraSpecs: [] };
  const shadow = (name: string, of: string): TopicSpec => ({
    ...topicSpec(of),
    name,
    purpose: `Shadow of ${of} rebuilt by a replay (AGENT_EVENTS_OUTPUT_TOPIC_SUFFIX=${suffix}): compare it with ${of}; nobody consumes it.`,
  });
  return {
    output,
    dlq,
    extraSpecs: [shadow(output, 'agent.events.v1'), shadow(dlq, 'agent.events.v1.dlq')],
  };
}

/**
 * A SchemaCodec that also knows topics outside the catalogue (the shadow topics of a
 * replay), registered under their own subject with the schema of the topic they shadow.
 */
export class AgentEventsCodec extends SchemaCodec {
  private readonly extraIds = new Map<string, number>();

  static override connect(url: string, namespace: string): AgentEventsCodec {
    return new AgentEventsCodec(
      registryClient(url), // with the request timeout of every codec
      namespace,
    );
  }

  async registerSpecs(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) {
      const subject = subjectOf(topicName(this.namespace, spec.name));
      const schema = readSchema(spec.valueSchema);
      await this.checkCompatible(subject, schema);
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
        this.extraIds.set(spec.name, id);
        await this.cacheType(id);
      } catch (error) {
        throw new SchemaRegistryError(
          `could not register ${subject}: ${(error as Error).message}`,
          error,
        );
      }
    }
  }

  override idOf(topic: string): number {
    return this.extraIds.get(topic) ?? super.idOf(topic);
  }
}
