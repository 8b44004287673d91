import type { RecordMetadata, TopicMessages } from 'kafkajs';
import { BatchingSender, type BatchProducer } from './batching-sender';

/** A producer whose sends are answered by the test: what each send carried, and its answer. */
function heldProducer(name: string, log: string[]) {
  const answers: (() => void)[] = [];
  const producer: BatchProducer = {
    sendBatch: (topicMessages: TopicMessages[]) => {
      const keys = topicMessages.flatMap((t) => t.messages.map((m) => String(m.key)));
      log.push(`${name} sends ${keys.join(',')}`);
      return new Promise<RecordMetadata[]>((resolve) =>
        answers.push(() => {
          log.push(`${name} acknowledged ${keys.join(',')}`);
          resolve([]);
        }),
      );
    },
  };
  return { producer, acknowledge: () => answers.shift()!() };
}

// Past the sender's zero-delay timer (setTimeout 0 is at least 1 ms).
const tick = () => new Promise((r) => setTimeout(r, 5));
const record = (key: string) => ({ topic: 'raw', key, value: Buffer.from(key) });

describe('BatchingSender', () => {
  it('with two producers, sends the next batch while the first waits for its acknowledgement', async () => {
    const log: string[] = [];
    const [a, b] = [heldProducer('a', log), heldProducer('b', log)];
    const sender = new BatchingSender([a.producer, b.producer], { lingerMs: 0, maxRecords: 10 });
    const first = sender.send(record('r1'));
    await tick();
    const second = sender.send(record('r2'));
    await tick();
    // Both producers busy: r3 and r4 wait and go together with the first producer freed.
    const rest = [sender.send(record('r3')), sender.send(record('r4'))];
    await tick();
    expect(log).toEqual(['a sends r1', 'b sends r2']);
    b.acknowledge();
    await second;
    await tick();
    expect(log.slice(2)).toEqual(['b acknowledged r2', 'b sends r3,r4']);
    a.acknowledge();
    b.acknowledge();
    await Promise.all([first, ...rest]);
    await sender.close();
  });

  it('with one producer, keeps one batch in flight: the next waits for the acknowledgement', async () => {
    const log: string[] = [];
    const a = heldProducer('a', log);
    const sender = new BatchingSender(a.producer, { lingerMs: 0, maxRecords: 10 });
    const first = sender.send(record('r1'));
    await tick();
    const second = sender.send(record('r2'));
    await tick();
    expect(log).toEqual(['a sends r1']);
    a.acknowledge();
    await first;
    await tick();
    expect(log).toEqual(['a sends r1', 'a acknowledged r1', 'a sends r2']);
    a.acknowledge();
    await second;
    await sender.close();
  });

  it('close sends what is queued on every producer and waits for all of it', async () => {
    const log: string[] = [];
    const [a, b] = [heldProducer('a', log), heldProducer('b', log)];
    const sender = new BatchingSender([a.producer, b.producer], { lingerMs: 50, maxRecords: 1 });
    const sent = [sender.send(record('r1')), sender.send(record('r2')), sender.send(record('r3'))];
    const closed = sender.close();
    await tick();
    expect(log).toEqual(['a sends r1', 'b sends r2']);
    a.acknowledge();
    await tick();
    expect(log).toContain('a sends r3');
    b.acknowledge();
    a.acknowledge();
    await closed;
    await Promise.all(sent);
    await expect(sender.send(record('late'))).rejects.toMatchObject({
      code: 'CPM_ERR_KAFKA_UNAVAILABLE',
    });
  });
});
