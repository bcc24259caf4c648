import pg from 'pg';
import { CollectionNotFoundError, StoreError } from '../../errors.ts';
import type { CollectionInfo, OpenStoreOptions, StoreBackend } from '../open.ts';
import { migrate } from './migrations.ts';
import { hnswIndexName, PostgresStore } from './postgres-store.ts';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

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
  pool.on('connect', (client) => client.query("SET hnsw.ef_search = 100; SET hnsw.iterative_scan = 'strict_order'").catch(() => {}));
  pool.on('error', () => {}); // an idle client's dropped connection is replaced on next use
  return { pool, hnswThreshold: threshold === null ? undefined : Number(threshold) };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Opens the pool and applies pending migrations; wraps connection failures in one line. */
export async function connect(url: string): Promise<{ pool: pg.Pool; hnswThreshold?: number; applied: number[] }> {
  const { pool, hnswThreshold } = createPool(url);
  try {
    return { pool, hnswThreshold, applied: await migrate(pool) };
  } catch (error) {
    await pool.end().catch(() => {});
    throw new StoreError(`could not connect to ${redact(url)} or migrate its schema: ${(error as Error).message}`, { input: redact(url), cause: error });
  }
}

async function withPool<T>(url: string, run: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const { pool } = await connect(url);
  try {
    return await run(pool);
  } finally {
    await pool.end();
  }
}

function toInfo(row: Record<string, any>): CollectionInfo {
  return { name: row.name, embedderId: row.embedder_id, dimension: row.dimension, createdAt: new Date(row.created_at).toISOString() };
}

export const postgresBackend: StoreBackend = {
  matches: isPostgresUrl,
  async open(options: OpenStoreOptions) {
    const { pool, hnswThreshold } = await connect(options.url!);
    try {
      if (options.create) {
        await pool.query('INSERT INTO collections (name, embedder_id, dimension) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
          options.collection,
          options.embedderId,
          options.dimension,
        ]);
      }
      const { rows } = await pool.query('SELECT * FROM collections WHERE name = $1', [options.collection]);
      if (rows.length === 0) {
        const known = (await pool.query('SELECT name FROM collections ORDER BY name')).rows.map((r) => r.name);
        throw new CollectionNotFoundError(`unknown collection "${options.collection}" in ${redact(options.url!)}: ingest into it first (known: ${known.join(', ') || 'none'})`, {
          input: options.collection,
        });
      }
      const info = toInfo(rows[0]);
      // loaded lazily: open.ts lists this backend, so a static import would be a cycle
      const { checkCompatible } = await import('../open.ts');
      checkCompatible(info, options);
      return await PostgresStore.open({ pool, collection: info.name, dimension: info.dimension, hnswThreshold, ownsPool: true });
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  },
  list: (_home, url) => withPool(url!, async (pool) => (await pool.query('SELECT * FROM collections ORDER BY name')).rows.map(toInfo)),
  remove: (_home, name, url) =>
    withPool(url!, async (pool) => {
      // chunks and documents go with the collection row (ON DELETE CASCADE), in one statement
      const { rowCount } = await pool.query('DELETE FROM collections WHERE name = $1', [name]);
      await pool.query(`DROP INDEX IF EXISTS ${hnswIndexName(name)}`);
      return rowCount! > 0;
    }),
};
