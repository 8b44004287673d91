import { Client } from 'pg';
import type { InfraSettings } from './settings';

/** PostgreSQL is the machine's own server: we only check it and create our databases. */
export async function ensureDatabases(s: InfraSettings, names: string[]): Promise<void> {
  const client = new Client({ connectionString: s.postgresUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${s.postgresUrl} (${(error as Error).message}). Start it, or set INFRA_POSTGRES_URL.`,
    );
  }
  try {
    for (const name of names) {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0)
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabases(s: InfraSettings, names: string[]): Promise<void> {
  const client = new Client({ connectionString: s.postgresUrl });
  await client.connect();
  try {
    for (const name of names)
      await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export async function postgresReady(s: InfraSettings): Promise<string> {
  const client = new Client({ connectionString: s.postgresUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}
