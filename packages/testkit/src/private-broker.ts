import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  INFRA_DIR,
  isAlive,
  portInUse,
  prepareKafka,
  startKafka,
  stopPid,
  waitForKafka,
} from '@cpm/infra';

export interface PrivateBroker {
  brokers: string;
  /** SIGKILL: the broker dies mid-request, as in a crash. */
  kill(): void;
  /** Starts it again on the same data and ports, and waits until it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Kafka broker of a test's own (other ports, its own data folder), for tests that break
 * the broker on purpose without disturbing the shared one other test files use.
 */
export async function startPrivateBroker(kafkaPort: number): Promise<PrivateBroker> {
  const settings = { kafkaPort, controllerPort: kafkaPort + 1, kafkaHeap: '384m' };
  const dataDir = join(INFRA_DIR, 'test-brokers', randomBytes(4).toString('hex'));
  const logFile = join(dataDir, 'kafka.log');
  for (const port of [settings.kafkaPort, settings.controllerPort]) {
    if (await portInUse(port))
      throw new Error(
        `port ${port} is taken (a broker left by an earlier run?); set TEST_PRIVATE_BROKER_PORT to another port`,
      );
  }
  // This checkout's Kafka libraries, also when the shared broker was started from another one.
  prepareKafka();
  let pid = startKafka(settings, dataDir, logFile);
  await waitForKafka(settings);
  return {
    brokers: `127.0.0.1:${kafkaPort}`,
    kill() {
      if (!isAlive(pid))
        throw new Error(`the test broker (pid ${pid}) is not running; see ${logFile}`);
      process.kill(pid, 'SIGKILL');
    },
    async restart() {
      pid = startKafka(settings, dataDir, logFile);
      await waitForKafka(settings);
    },
    async stop() {
      await stopPid(pid, 'test broker', 10_000);
      // KEEP_TEST_BROKER_DATA=1: leave the log segments for a post-mortem (kafka-dump-log).
      if (process.env.KEEP_TEST_BROKER_DATA) console.log(`test broker data kept in ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
