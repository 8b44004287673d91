import { Pool, type PoolConfig } from 'pg';

/** A pool from DATABASE_URL; with none, pg reads the PG* variables (docs/CONVENTIONS.md#connection-settings-from-the-environment). */
export function createPool(databaseUrl: string | undefined, extra: PoolConfig = {}): Pool {
  return new Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 30_000, ...extra });
}

/** A schema name safe to splice into SQL (it comes from our config, never from input). */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(
      `invalid schema name ${JSON.stringify(name)}: use lower-case letters, digits and _`,
    );
  return `"${name}"`;
}
