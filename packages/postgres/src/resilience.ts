import type { Pool, PoolClient } from 'pg';
import { AppError, type Logger } from '@cpm/platform';

/**
 * SQLSTATEs after which the same work can succeed on a new connection: connection
 * exceptions (class 08), the server shutting down or terminating the backend (57P01-03),
 * too many connections (53300).
 */
const TRANSIENT_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
/** The same conditions as Node and pg word them (and as a child process prints them). */
const TRANSIENT_TEXT =
  /Connection terminated|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|sorry, too many clients/i;

export function isTransientPgError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (
    typeof e?.code === 'string' &&
    (TRANSIENT_SQLSTATE.test(e.code) || /^E(CONNREFUSED|CONNRESET|PIPE)$/.test(e.code))
  )
    return true;
  return typeof e?.message === 'string' && TRANSIENT_TEXT.test(e.message);
}

/** PostgreSQL stayed unreachable for the whole wait. */
export class DatabaseUnavailableError extends AppError<'CPM_ERR_DATABASE_UNAVAILABLE'> {
  constructor(what: string, waitedMs: number, cause: unknown) {
    super(
      'CPM_ERR_DATABASE_UNAVAILABLE',
      `${what}: PostgreSQL did not answer for ${waitedMs} ms (last error: ${(cause as Error)?.message ?? String(cause)}). ` +
        'Check that PostgreSQL runs and that DATABASE_URL points to it; the service retries by itself for POSTGRES_WAIT_MS.',
      { cause },
    );
  }
}

export interface RetryTransientOptions {
  /** Give up after this long (default 60 s). */
  waitMs?: number;
  logger?: Logger;
}

/**
 * Runs `work` until it succeeds, retrying with backoff while the failure is a lost or
 * refused connection (a restarted or failing-over PostgreSQL, a terminated backend). Any
 * other error is thrown at once. For start-up steps such as migrations: a service waits for
 * its database as it waits for Kafka, instead of dying on the first cut connection.
 */
export async function retryTransient<T>(
  what: string,
  work: () => Promise<T>,
  options: RetryTransientOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 60_000;
  const started = Date.now();
  for (let attempt = 1, delay = 200; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    try {
      return await work();
    } catch (error) {
      if (!isTransientPgError(error)) throw error;
      const waited = Date.now() - started;
      if (waited + delay > waitMs) throw new DatabaseUnavailableError(what, waited, error);
      options.logger?.warn(
        { what, attempt, retryInMs: delay, err: error },
        'PostgreSQL connection lost; retrying',
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Checks a client out of the pool for `work`. pg emits 'error' on a checked-out client whose
 * backend goes away between two queries, and the pool listens only while the client is idle:
 * without this listener that event would crash the process. A client that failed is
 * destroyed on release rather than handed to the next caller.
 */
export async function withClient<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (isTransientPgError(error)) broken ??= error as Error;
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}
