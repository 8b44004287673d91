import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..');

/**
 * The migration command this code can run: the bundled one (dist/services/migrate/main.js,
 * made by `npm run build`) when this code itself runs from a bundle, the TypeScript through
 * tsx otherwise (tests, `npm run demo`).
 */
export function migrateCommand(fromBundle = __filename.endsWith('.js')): [string, string] {
  return fromBundle
    ? [process.execPath, resolve(ROOT, 'dist', 'services', 'migrate', 'main.js')]
    : [
        resolve(ROOT, 'node_modules', '.bin', 'tsx'),
        resolve(ROOT, 'packages', 'postgres', 'src', 'migrate-cli.ts'),
      ];
}

/** Runs `npm run migrate` for a database and schema, as an operator would. */
export async function migrate(
  databaseUrl: string,
  schema = 'projection',
  [program, script] = migrateCommand(),
): Promise<string[]> {
  const { stdout } = await run(program, [script, 'up', '--schema', schema], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    cwd: ROOT,
  });
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(last) as { applied: string[] }).applied;
}
