import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..', '..', '..');
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the replay CLI (cli.ts) as a child process with this environment; for the tests. */
export async function runReplayCli(
  env: Record<string, string>,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(
      resolve(ROOT, 'node_modules', '.bin', 'tsx'),
      [resolve(__dirname, 'cli.ts'), ...args],
      {
        env: { ...process.env, ...env, ...extraEnv },
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
