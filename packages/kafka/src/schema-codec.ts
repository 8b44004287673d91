import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import TimeoutMiddleware from 'mappersmith/middleware/timeout';
import { AppError, isRetriable } from '@cpm/platform';
import { topicName, topicSpec } from './topics';

export const SCHEMAS_DIR = resolve(__dirname, '..', '..', '..', 'schemas');

export class SchemaRegistryError extends AppError<'CPM_ERR_SCHEMA_REGISTRY'> {
  constructor(message: string, cause?: unknown) {
    super('CPM_ERR_SCHEMA_REGISTRY', message, { cause });
  }
}

export class IncompatibleSchemaError extends AppError<'CPM_ERR_SCHEMA_INCOMPATIBLE'> {
  constructor(subject: string, detail: string) {
    super(
      'CPM_ERR_SCHEMA_INCOMPATIBLE',
      `schema for ${subject} is not BACKWARD compatible with the registered one: ${detail}. Add fields with defaults instead of changing or removing them, or publish a new topic version (.v2).`,
    );
  }
}

export function readSchema(file: string): string {
  return readFileSync(join(SCHEMAS_DIR, file), 'utf8');
}

export const subjectOf = (fullTopic: string): string => `${fullTopic}-value`;

/**
 * Avro values in the Confluent wire format (magic byte + schema id), through
 * @kafkajs/confluent-schema-registry. Schema ids are resolved once, by `register`, at
 * start-up; after that `encode` works from the cache and never calls the registry, so a
 * registry outage does not stop the hot path. `decode` fetches a schema it has not seen.
 */
/** Per registry request (mappersmith's TimeoutMiddleware). */
export const REGISTRY_REQUEST_TIMEOUT_MS = 10_000;

/** What the codec needs of a schema the registry client built (an avsc Type, for Avro). */
interface AvroType {
  /** Writes `value` into `buffer` from `offset`: the end, or minus the bytes missing. */
  encode(value: unknown, buffer: Buffer, offset: number): number;
  fromBuffer(buffer: Buffer): unknown;
}

/** Records up to this size are encoded without an intermediate buffer (larger ones through the client). */
const SCRATCH_BYTES = 64 * 1024;

/** Confluent wire format: magic byte 0, then the schema id (int32 big-endian), then the Avro bytes. */
const WIRE_HEADER = 5;

/** The registry client every codec uses (SchemaCodec.connect and its subclasses). */
export function registryClient(url: string): SchemaRegistry {
  return new SchemaRegistry(
    // A request the registry never answers fails after REGISTRY_REQUEST_TIMEOUT_MS and is
    // retried (register's loop), instead of waiting for ever: the client sets no timeout,
    // and CI saw a test's registration stop for 2 minutes with the registry's access log
    // silent (the request never reached it).
    { host: url, middlewares: [TimeoutMiddleware(REGISTRY_REQUEST_TIMEOUT_MS)] },
    { [SchemaType.AVRO]: { noAnonymousTypes: true } } as never,
  );
}

export class SchemaCodec {
  private readonly ids = new Map<string, number>();
  /**
   * The Avro type of each schema id used so far. encode and decode go to it directly
   * instead of through the client's async encode/decode, which cost several promise hops, a
   * cache lookup and a Buffer.concat per record (bench/RESULTS.md "Profiles"). The client
   * still fetches and builds each type once, and still makes every error message.
   */
  private readonly types = new Map<number, AvroType>();
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

  constructor(
    readonly registry: SchemaRegistry,
    readonly namespace: string,
  ) {}

  static connect(url: string, namespace: string): SchemaCodec {
    return new SchemaCodec(registryClient(url), namespace);
  }

  /**
   * Registers (or finds) the value schema of each topic under BACKWARD compatibility. A
   * registry that does not answer is waited for (up to `waitMs`, default 2 minutes), so a
   * service started during a registry outage comes up when the registry does; an
   * incompatible schema fails at once.
   */
  async register(topics: readonly string[], options: { waitMs?: number } = {}): Promise<void> {
    const deadline =
      Date.now() + (options.waitMs ?? Number(process.env.SCHEMA_REGISTRY_WAIT_MS ?? 120_000));
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        return await this.registerOnce(topics);
      } catch (error) {
        if (!(error instanceof SchemaRegistryError) || Date.now() + delay > deadline) throw error;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async registerOnce(topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      const full = topicName(this.namespace, topic);
      const subject = subjectOf(full);
      const schema = readSchema(topicSpec(topic).valueSchema);
      await this.checkCompatible(subject, schema);
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
        this.ids.set(topic, id);
        await this.cacheType(id);
      } catch (error) {
        throw new SchemaRegistryError(
          `could not register ${subject}: ${(error as Error).message}`,
          error,
        );
      }
    }
  }

  /** Throws IncompatibleSchemaError when `schema` would break readers of `subject`. */
  async checkCompatible(subject: string, schema: string): Promise<void> {
    let compatible: boolean;
    try {
      // The client has no public method for the compatibility endpoint; its API object is typed private.
      const api = (
        this.registry as unknown as {
          api: { Subject: { compatible(args: object): Promise<{ data(): unknown }> } };
        }
      ).api;
      const response = await api.Subject.compatible({
        subject,
        version: 'latest',
        body: { schema },
      });
      compatible = (response.data() as { is_compatible: boolean }).is_compatible;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 404) return; // nothing registered yet
      throw new SchemaRegistryError(
        `compatibility check of ${subject} failed: ${(error as Error).message}`,
        error,
      );
    }
    if (!compatible) throw new IncompatibleSchemaError(subject, 'the registry refused it');
  }

  idOf(topic: string): number {
    const id = this.ids.get(topic);
    if (id === undefined)
      throw new SchemaRegistryError(
        `no schema id for ${topic}: call register([${JSON.stringify(topic)}]) at start-up`,
      );
    return id;
  }

  /** The schema `id`'s type, fetched once (by the client, which keeps its own cache too). */
  protected async cacheType(id: number): Promise<void> {
    if (this.types.has(id)) return;
    const schema = (await this.registry.getSchema(id)) as unknown as Partial<AvroType>;
    // Only Avro types: the client also builds JSON Schema and Protobuf ones, which we never register.
    if (typeof schema.encode === 'function' && typeof schema.fromBuffer === 'function')
      this.types.set(id, schema as AvroType);
  }

  async encode(topic: string, value: unknown): Promise<Buffer> {
    const id = this.idOf(topic);
    const type = this.types.get(id);
    if (type) {
      let end = -1;
      try {
        // Written after the wire header in a scratch buffer, then copied out once (avsc's
        // toBuffer allocates a zeroed buffer, and the header would be a second copy).
        end = type.encode(value, this.scratch, WIRE_HEADER);
      } catch {
        // Not valid for the schema: the client's encode throws its error, with the invalid paths.
      }
      if (end > 0) {
        const out = Buffer.allocUnsafe(end);
        this.scratch.copy(out, 0, 0, end);
        out[0] = 0;
        out.writeInt32BE(id, 1);
        return out;
      }
    }
    // Larger than the scratch buffer (avsc then returns minus the bytes missing), or invalid.
    return this.registry.encode(id, value);
  }

  /**
   * The one place the registry client's decode errors are mapped: a failure that may pass
   * (the registry or the network) is a retriable SchemaRegistryError; anything else means
   * the bytes are no record of ours (CPM_ERR_RECORD_UNDECODABLE), as is a missing value.
   */
  async decode<T>(buffer: Buffer | null): Promise<T> {
    if (!buffer) throw new AppError('CPM_ERR_EMPTY_RECORD', 'record has no value');
    try {
      const type =
        buffer.length >= WIRE_HEADER && buffer[0] === 0
          ? this.types.get(buffer.readInt32BE(1))
          : undefined;
      // The same call the client's decode makes, without its promise hops.
      if (type) return type.fromBuffer(buffer.subarray(WIRE_HEADER)) as T;
      // A schema not seen yet (or bytes that are not the wire format): the client fetches
      // it, or says what is wrong; the type is kept for the next record.
      const value = (await this.registry.decode(buffer)) as T;
      await this.cacheType(buffer.readInt32BE(1));
      return value;
    } catch (error) {
      if (isRetriable(error))
        throw new SchemaRegistryError(
          `could not decode a record: ${(error as Error).message}`,
          error,
        );
      throw new AppError(
        'CPM_ERR_RECORD_UNDECODABLE',
        `not Avro of a registered schema: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
