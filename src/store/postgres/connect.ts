import pg from 'pg';
import { StoreError } from '../../errors.ts';
import { migrate } from './migrations.ts';
import { redactUrl } from '../../io/redact-url.ts';

/**
 * A pool for a `postgres://` URL. `?pool_max=N` sets the pool size (default 10) and
 * `?hnsw_threshold=N` when the HNSW index is built; both are removed before connecting.
 */
export function createPool(url: string): { pool: pg.Pool; hnswThreshold?: number } {
  const parsed = new URL(url);
  const max = Number(parsed.searchParams.get('pool_max') ?? 10);
  const threshold = parsed.searchParams.get('hnsw_threshold');
  parsed.searchParams.delete('pool_max');
  parsed.searchParams.delete('hnsw_threshold');
  const pool = new pg.Pool({ connectionString: parsed.toString(), max });
  // ANN queries with a WHERE clause keep scanning the graph until k rows pass the filter
  pool.on('connect', (client) =>
    client.query("SET hnsw.ef_search = 100; SET hnsw.iterative_scan = 'strict_order'").catch(() => {}),
  );
  pool.on('error', () => {}); // an idle client's dropped connection is replaced on next use
  return { pool, hnswThreshold: threshold === null ? undefined : Number(threshold) };
}

/** A connection string as printed: the password (and any secret parameter) masked. */
export const redact = redactUrl;

/** Opens the pool and applies pending migrations; wraps connection failures in one line. */
export async function connect(url: string): Promise<{ pool: pg.Pool; hnswThreshold?: number; applied: number[] }> {
  const { pool, hnswThreshold } = createPool(url);
  try {
    return { pool, hnswThreshold, applied: await migrate(pool) };
  } catch (error) {
    await pool.end().catch(() => {});
    throw new StoreError(`could not connect to ${redact(url)} or migrate its schema: ${(error as Error).message}`, {
      input: redact(url),
      cause: error,
    });
  }
}

/** Runs `run` on a migrated pool that is ended afterwards. */
export async function withPool<T>(url: string, run: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const { pool } = await connect(url);
  try {
    return await run(pool);
  } finally {
    await pool.end();
  }
}
