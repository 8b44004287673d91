/**
 * `npm run migrate [-- --schema <name>] [up|down]`: applies the numbered SQL migrations in
 * packages/postgres/migrations to a schema (default `projection`, or PROJECTION_SCHEMA),
 * creating it if needed. node-pg-migrate is an ES module, which is why migrations always
 * run through this command (and tests spawn it) rather than inside a CommonJS process.
 * `npm run build` bundles it as dist/services/migrate/main.js, which `migrate()` runs from
 * the bundled services, so a deployment needs no TypeScript loader.
 */
import { resolve } from 'node:path';
import { runner } from 'node-pg-migrate';
import { quoteIdent } from './pool';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const schemaFlag = args.indexOf('--schema');
  const schema =
    schemaFlag >= 0 ? args[schemaFlag + 1] : (process.env.PROJECTION_SCHEMA ?? 'projection');
  const direction = args.includes('down') ? 'down' : 'up';
  if (!schema) throw new Error('--schema needs a name');
  quoteIdent(schema);
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cpm';
  const applied = await runner({
    databaseUrl,
    // Three directories below the repository root, from the source and from the bundle alike.
    dir: resolve(__dirname, '..', '..', '..', 'packages', 'postgres', 'migrations'),
    migrationsTable: 'pgmigrations',
    schema,
    createSchema: true,
    direction,
    count: direction === 'down' ? 1 : Infinity,
    checkOrder: true,
    // Replicas starting together (the projector and media run this at start): the others
    // wait for the one that holds the lock, then find nothing to apply. node-pg-migrate's
    // default ('fail') stopped them with "Another migration is already running".
    advisoryLockMode: 'wait',
    log: () => undefined,
  });
  console.log(JSON.stringify({ schema, direction, applied: applied.map((m) => m.name) }));
}

main().catch((error: Error) => {
  console.error(`migration failed: ${error.message}`);
  process.exit(1);
});
