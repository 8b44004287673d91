import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { consumerLagLines } from './consumer-lag';

const ROOT = resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

export interface ReplayVerifyOptions {
  /**
   * The live projector's URL: first waits (up to `lagTimeoutMs`) until its `/metrics` show no
   * lag on any partition of its two input topics. Without it, the caller has made sure the
   * projector has projected everything (the comparison only covers what both sides read).
   */
  projectorUrl?: string;
  /** Partitions per topic (TestEnv.partitions); with `projectorUrl`. */
  partitions?: number;
  lagTimeoutMs?: number;
}

/**
 * The end of every test that ran the projector: `replay verify` (the operator's command,
 * services/replay, in a child process: packages do not import services) rebuilds the
 * projections from the log into a scratch schema and compares them with the live tables.
 * Throws, with the differing rows, unless there is none. `env` is the projector's environment
 * (connections, `TOPIC_NAMESPACE`, `PROJECTION_SCHEMA`, `PROJECTOR_GROUP`).
 *
 * It runs once and is not retried: a rebuild reads the partitions in an order of its own, so
 * a projection that depends on that order differs on some runs only, and a retry would hide
 * it. Wait for the live projector first (`projectorUrl`), and for the traffic to stop.
 */
export async function expectReplayVerifies(
  env: Record<string, string>,
  o: ReplayVerifyOptions = {},
): Promise<{ records: number }> {
  if (o.projectorUrl) await waitForProjector(o.projectorUrl, 2 * (o.partitions ?? 3), o);
  const { code, stdout, stderr } = await run(
    resolve(ROOT, 'node_modules', '.bin', 'tsx'),
    [resolve(ROOT, 'services', 'replay', 'src', 'cli.ts'), '--json', 'verify'],
    { env: { ...process.env, ...env }, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  const lines = stdout.trim().split('\n').filter(Boolean);
  if (code !== 0 && code !== 1)
    throw new Error(`replay verify failed (exit ${code}):\n${stderr.slice(-4000)}`);
  const summary = JSON.parse(lines.at(-1) ?? 'null') as {
    verified: boolean;
    records: number;
  } | null;
  if (!summary?.verified)
    throw new Error(
      `replay verify: the rows rebuilt from the log differ from the live ones (${lines.length - 1} difference(s)):\n${lines.slice(0, 20).join('\n')}`,
    );
  return { records: summary.records };
}

async function waitForProjector(
  url: string,
  partitions: number,
  { lagTimeoutMs = 120_000 }: ReplayVerifyOptions,
): Promise<void> {
  const deadline = Date.now() + lagTimeoutMs;
  for (;;) {
    const lags = await consumerLagLines(url).catch(() => [] as string[]);
    if (lags.filter((l) => l.endsWith(' 0')).length >= partitions) return;
    if (Date.now() > deadline)
      throw new Error(`the projector did not catch up with the log:\n${lags.join('\n')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
