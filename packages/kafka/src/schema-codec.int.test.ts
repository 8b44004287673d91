import { createServer, type AddressInfo, type Socket } from 'node:net';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import {
  IncompatibleSchemaError,
  REGISTRY_REQUEST_TIMEOUT_MS,
  SchemaCodec,
  SchemaRegistryError,
  subjectOf,
} from './schema-codec';
import { topicName } from './topics';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ database: false });
});
afterAll(() => t.cleanup());

/** A raw webhook record as a writer of the schema's first version wrote it (no secretId, no admittedFrom). */
const RAW = {
  requestId: 'r1',
  body: Buffer.from('{"app_id":"a","message":{}}\n'),
  contentType: 'application/json',
  signature: null,
  signatureNonce: null,
  signatureTimestamp: null,
  signatureAlgorithm: null,
  verification: 'UNSIGNED_ACCEPTED',
  secretIndex: -1,
  signatureAgeSeconds: null,
  receivedAt: 1_700_000_000_000, // timestamp-millis is a plain number of ms to our codec
  ingressInstance: 'test',
  trigger: 'MESSAGE_INBOUND',
  appId: 'a',
  customerKey: 'a:c1',
  keySource: 'CONTACT',
  processingMode: null,
};

describe('Avro through the real Schema Registry and Kafka', () => {
  it('encodes a raw webhook with its registered schema id, writes it to Kafka and reads it back decoded', async () => {
    const topic = topicName(t.namespace, 'sinch.webhooks.raw.v1');
    const value = RAW;
    const encoded = await t.codec.encode('sinch.webhooks.raw.v1', value);
    expect(encoded[0]).toBe(0); // Confluent wire format: magic byte, then the schema id
    expect(encoded.readInt32BE(1)).toBe(t.codec.idOf('sinch.webhooks.raw.v1'));
    const producer = t.kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'a:c1', value: encoded }] });
    await producer.disconnect();

    const [record] = await readTopic(t.kafka, topic, { minRecords: 1 });
    // A second codec with an empty cache must fetch the schema by id from the registry.
    const fresh = SchemaCodec.connect(t.registryUrl, t.namespace);
    const decoded = await fresh.decode<typeof value>(record!.value!);
    expect(record!.key).toBe('a:c1');
    // Fields added later (with defaults) decode as their default for a writer that left them out.
    expect(decoded).toEqual({ ...value, secretId: null, admittedFrom: null });
  });

  it('encodes past its scratch buffer and refuses an invalid value as the registry client does', async () => {
    const value = {
      ...RAW,
      requestId: 'r2',
      body: Buffer.alloc(200_000, 'x'), // larger than the codec's 64 KiB scratch buffer
      contentType: null,
      secretId: null,
      admittedFrom: null,
    };
    const large = await t.codec.encode('sinch.webhooks.raw.v1', value);
    expect(large.readInt32BE(1)).toBe(t.codec.idOf('sinch.webhooks.raw.v1'));
    expect(await t.codec.decode(large)).toEqual(value);
    // The same bytes as the registry client's own encoding, small or large.
    const small = { ...value, body: Buffer.from('{}') };
    const id = t.codec.idOf('sinch.webhooks.raw.v1');
    expect(await t.codec.encode('sinch.webhooks.raw.v1', small)).toEqual(
      await t.codec.registry.encode(id, small),
    );
    expect(large).toEqual(await t.codec.registry.encode(id, value));
    await expect(
      t.codec.encode('sinch.webhooks.raw.v1', { ...small, receivedAt: 'yesterday' }),
    ).rejects.toMatchObject({ name: 'ConfluentSchemaRegistryValidationError' });
  });

  it('refuses an incompatible change to a registered schema and accepts a compatible one', async () => {
    const subject = subjectOf(topicName(t.namespace, 'compat-probe'));
    const registry = new SchemaRegistry({ host: t.registryUrl });
    const v1 = {
      type: 'record',
      name: 'Probe',
      namespace: 'cpm.test',
      fields: [{ name: 'a', type: 'string' }],
    };
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(v1) }, { subject });
    const codec = new SchemaCodec(registry, t.namespace);

    const addedRequired = { ...v1, fields: [...v1.fields, { name: 'b', type: 'string' }] };
    await expect(
      codec.checkCompatible(subject, JSON.stringify(addedRequired)),
    ).rejects.toBeInstanceOf(IncompatibleSchemaError);

    const addedOptional = {
      ...v1,
      fields: [...v1.fields, { name: 'b', type: ['null', 'string'], default: null }],
    };
    await expect(
      codec.checkCompatible(subject, JSON.stringify(addedOptional)),
    ).resolves.toBeUndefined();
  });
});

describe('a registry that never answers', () => {
  it('fails registration with CPM_ERR_SCHEMA_REGISTRY after the request timeout instead of hanging', async () => {
    // Accepts connections and reads requests, never writes an answer.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const codec = SchemaCodec.connect(`http://127.0.0.1:${port}`, 'silent');
      const started = Date.now();
      const failure = await codec
        .register(['sinch.webhooks.raw.v1'], { waitMs: 1 })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SchemaRegistryError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(REGISTRY_REQUEST_TIMEOUT_MS);
      expect(sockets.size).toBeGreaterThan(0); // it did ask
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
