import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');

/** Runs `npm run migrate` for a database and schema, as an operator would. */
export async function migrate(databaseUrl: string, schema = 'projection'): Promise<string[]> {
  const tsx = resolve(ROOT, 'node_modules', '.bin', 'tsx');
  const { stdout } = await run(tsx, [resolve(ROOT, 'packages', 'postgres', 'src', 'migrate-cli.ts'), 'up', '--schema', schema], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    cwd: ROOT,
  });
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(last) as { applied: string[] }).applied;
}
