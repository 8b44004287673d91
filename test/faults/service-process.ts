import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { expectReplayVerifies, readTopic, type ReadRecord } from '@cpm/testkit';

export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stdout and stderr (pino JSON lines). */
  output(): string;
  alive(): boolean;
  /** VmRSS from /proc, in KiB; null once it has exited. */
  rssKiB(): number | null;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process stays, frozen mid-whatever (a long GC pause, a stalled VM); `resume()` sends SIGCONT. */
  pause(): void;
  resume(): void;
  paused(): boolean;
}

/**
 * Runs a service's main.ts as node itself with tsx as a loader (not the tsx wrapper), so a
 * signal reaches the service; with `bundled`, runs its `npm run build` bundle
 * (dist/services/<name>/main.js) with plain node instead, as production does. Kill it by its
 * pid only.
 */
export function startService(
  name: string,
  mainTs: string,
  env: Record<string, string>,
  options: { bundled?: boolean; nodeArgs?: string[]; bundle?: string; args?: string[] } = {},
): ServiceProcess {
  // nodeArgs: V8 flags NODE_OPTIONS does not take (--optimize-for-size), before the script;
  // bundle: the folder of dist/services to run (default: name); args: after the script.
  const argv = options.bundled
    ? [
        ...(options.nodeArgs ?? []),
        '--enable-source-maps',
        resolve(REPO_ROOT, 'dist', 'services', options.bundle ?? name, 'main.js'),
        ...(options.args ?? []),
      ]
    : [
        ...(options.nodeArgs ?? []),
        '--import',
        'tsx',
        resolve(REPO_ROOT, mainTs),
        ...(options.args ?? []),
      ];
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer): void => {
    out = (out + c.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  let stopped = false;
  return {
    name,
    child,
    pid: child.pid!,
    output: () => out,
    alive,
    rssKiB() {
      try {
        const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        return match ? Number(match[1]) : null;
      } catch {
        return null;
      }
    },
    /** Sends the signal; a process that has not exited 15 s after SIGTERM gets SIGKILL. */
    async kill(signal) {
      if (alive()) child.kill(signal);
      if (stopped && alive()) child.kill('SIGCONT'); // a paused process acts on SIGTERM only once it runs
      stopped = false;
      const late = setTimeout(() => alive() && child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(late);
    },
    pause() {
      if (alive()) child.kill('SIGSTOP');
      stopped = true;
    },
    resume() {
      if (alive()) child.kill('SIGCONT');
      stopped = false;
    },
    paused: () => stopped,
  };
}

/** Polls `url` until it answers 2xx (or the process dies, or time runs out). */
export async function waitForHttp(
  url: string,
  service: ServiceProcess,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.alive())
      throw new Error(
        `${service.name} exited before it was ready:\n${service.output().slice(-3000)}`,
      );
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${service.name} not ready at ${url} after ${timeoutMs} ms:\n${service.output().slice(-3000)}`,
  );
}

/** Polls until `check` holds; returns false at the deadline (the caller asserts). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Sends batch after batch, at least `minBatches` and on until `finish()`, with a pause
 * between them: a kill test keeps input flowing until its last kill, so that every kill
 * lands with work in flight.
 */
export function keepLoading(
  minBatches: number,
  sendBatch: (batch: number) => Promise<void>,
  pauseMs = 150,
): { finish(): Promise<void> } {
  let finishing = false;
  const running = (async () => {
    for (let batch = 0; batch < minBatches || !finishing; batch++) {
      await sendBatch(batch);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    async finish() {
      finishing = true;
      await running;
    },
  };
}

/** The sum of a topic's partition ends as a read_committed reader sees them: grows as transactions commit. */
export async function committedEnd(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.offset), 0);
}

/**
 * Starts a service `kills` times and SIGKILLs each one as soon as it has committed more
 * output to `outputTopic`: mid-stream, not idle. Returns how many kills came after new
 * output (the caller expects all of them); a service that died by itself fails with its output.
 */
export async function killMidStream(o: {
  kafka: Kafka;
  outputTopic: string;
  kills: number;
  start: () => ServiceProcess;
}): Promise<number> {
  const admin = o.kafka.admin();
  await admin.connect();
  const committedOutput = (): Promise<number> => committedEnd(admin, o.outputTopic);
  let kills = 0;
  try {
    for (let round = 0; round < o.kills; round++) {
      const before = await committedOutput();
      const service = o.start();
      await eventually(
        async () => (await committedOutput()) > before || !service.alive(),
        60_000,
        100,
      );
      if (!service.alive())
        throw new Error(
          `${service.name} died by itself before kill ${round + 1}:\n${service.output().slice(-2000)}`,
        );
      await service.kill('SIGKILL');
      if ((await committedOutput()) > before) kills++;
    }
  } finally {
    await admin.disconnect();
  }
  return kills;
}

/**
 * The kill test of a consumer service: starts it, SIGKILLs it `kills` times while `load`
 * keeps writing (each kill after it committed some output), lets the load finish, starts it
 * once more and reads its output topic until it holds `expected()` records (or 90 s pass).
 * Every process it starts is pushed to `started`, for the test's teardown.
 */
export async function killUnderLoad(o: {
  kafka: Kafka;
  service: string;
  main: string;
  env: Record<string, string>;
  outputTopic: string;
  kills: number;
  load: { finish(): Promise<void> };
  started: ServiceProcess[];
  expected: () => number;
}): Promise<{ kills: number; records: ReadRecord[] }> {
  const start = (): ServiceProcess => {
    const service = startService(o.service, o.main, o.env);
    o.started.push(service);
    return service;
  };
  const kills = await killMidStream({
    kafka: o.kafka,
    outputTopic: o.outputTopic,
    kills: o.kills,
    start,
  });
  await o.load.finish();
  start();
  const records = await readTopic(o.kafka, o.outputTopic, {
    minRecords: o.expected(),
    timeoutMs: 90_000,
  });
  return { kills, records };
}

/**
 * The last step of every fault test whose events reach `conversation.events.v1`: the
 * projections rebuilt from the log must equal the live ones (`replay verify`, 0 differences;
 * `expectReplayVerifies`). `env` is the test's (a database of its own:
 * `createTestEnv({ database: true })`). A test that runs its own projector passes its URL
 * (started with `CONSUMER_LAG_INTERVAL_MS` low); otherwise one is started here for the check
 * and stopped after. Either way its lag must be 0 first, so the comparison covers the whole log.
 */
export async function verifyProjections(
  env: Record<string, string>,
  o: { partitions: number; projectorUrl?: string },
): Promise<{ records: number }> {
  let started: ServiceProcess | undefined;
  let url = o.projectorUrl;
  try {
    if (!url) {
      const port = await freePort();
      started = startService('projector', 'services/projector/src/main.ts', {
        ...env,
        PROJECTOR_HTTP_PORT: String(port),
        CONSUMER_LAG_INTERVAL_MS: '200',
        LOG_LEVEL: 'warn',
      });
      url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/readyz`, started, 90_000);
    }
    return await expectReplayVerifies(
      { ...env, LOG_LEVEL: 'warn' },
      { projectorUrl: url, partitions: o.partitions },
    );
  } finally {
    await started?.kill('SIGTERM');
  }
}
