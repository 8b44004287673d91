import net from 'node:net';
import { Kafka, logLevel, type ISocketFactory, type Producer } from 'kafkajs';
import { createLogger } from '@cpm/platform';
import { createTestEnv, readTopic, type TestEnv } from '@cpm/testkit';
import { IdempotentProducer, KafkaUnavailableError } from './idempotent-producer';
import { topicName } from './topics';

/**
 * The broker writes a produce request and the answer never comes back: the test's socket
 * factory hides the answer and cuts the connection, and (in `outage` mode) refuses new
 * connections until `heal()`, so kafkajs's retries run out and the send fails although its
 * records are in the log. That is what a broker killed at the wrong moment does.
 */
class LostAnswer {
  private armed: 'cut' | 'hang' | null = null;
  private refusing = false;

  /** The next produce request is written, its answer hidden; `cut` then breaks the connection and refuses new ones. */
  arm(mode: 'cut' | 'hang'): void {
    this.armed = mode;
  }

  heal(): void {
    this.refusing = false;
  }

  readonly socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = this.refusing
      ? net.connect({ host: '127.0.0.1', port: 1 }, onConnect)
      : net.connect({ host, port }, onConnect);
    let hideAnswers = false;
    const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => boolean;
    socket.emit = ((event: string, ...args: unknown[]) =>
      event === 'data' && hideAnswers ? false : emit(event, ...args)) as typeof socket.emit;
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      // A Kafka request: int32 size, int16 api key; Produce is api key 0.
      const isProduce = Buffer.isBuffer(chunk) && chunk.length > 6 && chunk.readInt16BE(4) === 0;
      if (isProduce && this.armed) {
        const mode = this.armed;
        this.armed = null;
        hideAnswers = true;
        if (mode === 'cut') {
          this.refusing = true;
          setTimeout(() => socket.destroy(new Error('connection cut by the test')), 300);
        }
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
}

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv({ database: false, partitions: 1 });
});
afterAll(() => t.cleanup());

function faultyKafka(fault: LostAnswer): Kafka {
  return new Kafka({
    clientId: 'lost-answer',
    brokers: t.brokers.split(','),
    socketFactory: fault.socketFactory,
    logLevel: logLevel.NOTHING,
    requestTimeout: 3_000, // a hidden answer fails its request after 3 s, not kafkajs's 30 s
    retry: { retries: 1, initialRetryTime: 50 },
  });
}

const records = (prefix: string) =>
  ['1', '2', '3'].map((n) => ({ key: 'k', value: `${prefix}${n}` }));

async function valuesIn(topic: string, atLeast: number): Promise<string[]> {
  const read = await readTopic(t.kafka, topic, { minRecords: atLeast, timeoutMs: 10_000 });
  return read.map((r) => r.value!.toString());
}

it('kafkajs alone: after a send that failed but was written, the next batch of the same size is acknowledged and dropped', async () => {
  // The reason IdempotentProducer exists. If this starts failing, kafkajs no longer reuses
  // the sequence numbers of a failed send, and IdempotentProducer's renewal is no longer needed.
  const topic = topicName(t.namespace, 'conversation.events.v1');
  const fault = new LostAnswer();
  const producer: Producer = faultyKafka(fault).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 1, initialRetryTime: 50 },
  });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: records('warm-') });
    fault.arm('cut');
    await expect(producer.send({ topic, acks: -1, messages: records('a') })).rejects.toThrow();
    fault.heal();
    const [acked] = await producer.send({ topic, acks: -1, messages: records('b') });
    expect(acked!.baseOffset).toBe('3'); // the offset of batch a: the broker took b for a retry of a
    expect(await valuesIn(topic, 6)).toEqual(['warm-1', 'warm-2', 'warm-3', 'a1', 'a2', 'a3']);
  } finally {
    await producer.disconnect();
  }
}, 60_000);

it('IdempotentProducer: the batch after a failed-but-written send is in the log', async () => {
  const topic = topicName(t.namespace, 'agent.events.v1');
  const fault = new LostAnswer();
  const producer = new IdempotentProducer(faultyKafka(fault), createLogger('test', 'silent'), {
    timeoutMs: 20_000,
  });
  await producer.connect();
  try {
    await producer.send(topic, records('warm-'));
    fault.arm('cut');
    await expect(producer.send(topic, records('a'))).rejects.toBeInstanceOf(KafkaUnavailableError);
    fault.heal();
    const [acked] = await producer.send(topic, records('b'));
    expect(acked!.baseOffset).toBe('6');
    expect(await valuesIn(topic, 9)).toEqual([
      'warm-1',
      'warm-2',
      'warm-3',
      'a1',
      'a2',
      'a3',
      'b1',
      'b2',
      'b3',
    ]);
    expect(producer.renewals).toBe(1);
  } finally {
    await producer.disconnect();
  }
}, 60_000);

it('IdempotentProducer: a send that times out does not hold up or endanger the next one', async () => {
  const topic = topicName(t.namespace, 'agent.commands.v1');
  const fault = new LostAnswer();
  const producer = new IdempotentProducer(faultyKafka(fault), createLogger('test', 'silent'), {
    timeoutMs: 1_000,
  });
  await producer.connect();
  try {
    fault.arm('hang'); // the answer to a never comes: kafkajs waits for it (request timeout 3 s)
    await expect(producer.send(topic, records('a'))).rejects.toThrow(
      /did not acknowledge within 1000 ms/,
    );
    await producer.send(topic, records('b'));
    const values = await valuesIn(topic, 6);
    expect(values.sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3']);
    expect(producer.renewals).toBe(1);
  } finally {
    await producer.disconnect();
  }
}, 60_000);

it('IdempotentProducer: a send that timed out while still connecting is never sent later', async () => {
  // Connections open only after 600 ms (below kafkajs's 1 s connection timeout, above the
  // producer's 300 ms send timeout): the first send gives up before its producer is connected.
  const topic = topicName(t.namespace, 'sinch.webhooks.rejected.v1');
  const slow = new Kafka({
    clientId: 'slow-connect',
    brokers: t.brokers.split(','),
    logLevel: logLevel.NOTHING,
    socketFactory: ({ host, port, onConnect }) => {
      const socket = new net.Socket();
      setTimeout(() => socket.connect({ host, port }, onConnect), 600);
      return socket;
    },
  });
  const producer = new IdempotentProducer(slow, createLogger('test', 'silent'), { timeoutMs: 300 });
  try {
    await expect(producer.send(topic, records('a'))).rejects.toBeInstanceOf(KafkaUnavailableError);
    await new Promise((r) => setTimeout(r, 3_000)); // time enough to connect and (wrongly) send a
    await producer.send(topic, [{ key: 'k', value: 'b1' }]);
    // Told it failed, a must not appear afterwards: the caller (Sinch) sends it again.
    expect(await valuesIn(topic, 1)).toEqual(['b1']);
  } finally {
    await producer.disconnect();
  }
}, 60_000);
