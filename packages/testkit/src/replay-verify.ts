import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

export interface ReplayVerifyResult {
  /** Records replayed into the scratch schema by the last run. */
  records: number;
  /** `verify` runs until none differed (more than one: the live projector was catching up). */
  runs: number;
}

/**
 * The end of every test that ran the projector: `replay verify` (the operator's command,
 * services/replay, in a child process: packages do not import services) rebuilds the
 * projections from the log into a scratch schema and compares them with the live tables;
 * this throws, with the differing rows, unless there are none. `env` is the projector's
 * environment (connections, `TOPIC_NAMESPACE`, `PROJECTION_SCHEMA`, `PROJECTOR_GROUP`).
 *
 * Only the part of the log both sides have read is compared, but a row's columns can come
 * from several partitions: a run made while the live projector is still catching up can
 * differ, so the command is run again until `timeoutMs`. A difference that stays is a
 * projection that depends on the order it saw the log in (services/projector/src/rows.ts).
 */
export async function expectReplayVerifies(
  env: Record<string, string>,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<ReplayVerifyResult> {
  const deadline = Date.now() + timeoutMs;
  for (let runs = 1; ; runs++) {
    const { code, stdout, stderr } = await run(
      resolve(ROOT, 'node_modules', '.bin', 'tsx'),
      [resolve(ROOT, 'services', 'replay', 'src', 'cli.ts'), '--json', 'verify'],
      { env: { ...process.env, ...env }, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    ).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    const lines = stdout.trim().split('\n').filter(Boolean);
    const summary = JSON.parse(lines.at(-1) ?? 'null') as {
      verified: boolean;
      records: number;
    } | null;
    if (code !== 0 && code !== 1)
      throw new Error(`replay verify failed (exit ${code}):\n${stderr.slice(-4000)}`);
    if (summary?.verified) return { records: summary.records, runs };
    if (Date.now() > deadline)
      throw new Error(
        `replay verify: the rows rebuilt from the log differ from the live ones (${lines.length - 1} difference(s), ${runs} run(s)):\n${lines.slice(0, 20).join('\n')}`,
      );
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
