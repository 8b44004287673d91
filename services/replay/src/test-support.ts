import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { RawWebhookRecord } from '@cpm/contracts';
import { buildRawRecord } from '@cpm/ingress';

const ROOT = resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** For tests: runs this CLI (cli.ts) in a child process with `env` added, as an operator would. */
export async function runCli(env: Record<string, string>, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      resolve(ROOT, 'node_modules', '.bin', 'tsx'),
      [resolve(__dirname, 'cli.ts'), ...args],
      { env: { ...process.env, ...env }, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** For tests: polls `check` until it gives a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** For tests: an unsigned callback body as the ingress writes it to sinch.webhooks.raw.v1, received now. */
export function unsignedRawRecord(requestId: string, body: object): RawWebhookRecord {
  const bytes = Buffer.from(JSON.stringify(body));
  return buildRawRecord({
    requestId,
    body: bytes,
    parsed: body as Record<string, unknown>,
    contentType: 'application/json',
    headers: {},
    verification: { ok: true, status: 'UNSIGNED_ACCEPTED', secretIndex: -1, ageSeconds: null },
    receivedAt: Date.now(),
    instance: 'test',
  });
}
