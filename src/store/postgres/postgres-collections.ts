import { CollectionNotFoundError } from '../../errors.ts';
import { checkCompatible, type CollectionInfo, type OpenStoreOptions } from '../backend.ts';
import { connect, redact, withPool } from './connect.ts';
import { hnswIndexName, PostgresStore } from './postgres-store.ts';

function toInfo(row: Record<string, any>): CollectionInfo {
  return {
    name: row.name,
    embedderId: row.embedder_id,
    dimension: row.dimension,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export async function openCollection(options: OpenStoreOptions): Promise<PostgresStore> {
  const { pool, hnswThreshold } = await connect(options.url!);
  try {
    if (options.create) {
      await pool.query(
        'INSERT INTO collections (name, embedder_id, dimension) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
        [options.collection, options.embedderId, options.dimension],
      );
    }
    const { rows } = await pool.query('SELECT * FROM collections WHERE name = $1', [options.collection]);
    if (rows.length === 0) {
      const known = (await pool.query('SELECT name FROM collections ORDER BY name')).rows.map((r) => r.name);
      throw new CollectionNotFoundError(
        `unknown collection "${options.collection}" in ${redact(options.url!)}: ingest into it first (known: ${known.join(', ') || 'none'})`,
        {
          input: options.collection,
        },
      );
    }
    const info = toInfo(rows[0]);
    checkCompatible(info, options);
    return await PostgresStore.open({
      pool,
      collection: info.name,
      dimension: info.dimension,
      hnswThreshold,
      ownsPool: true,
    });
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
}

export function listCollections(url: string): Promise<CollectionInfo[]> {
  return withPool(url, async (pool) => (await pool.query('SELECT * FROM collections ORDER BY name')).rows.map(toInfo));
}

export function removeCollection(name: string, url: string): Promise<boolean> {
  return withPool(url, async (pool) => {
    // chunks and documents go with the collection row (ON DELETE CASCADE), in one statement
    const { rowCount } = await pool.query('DELETE FROM collections WHERE name = $1', [name]);
    await pool.query(`DROP INDEX IF EXISTS ${hnswIndexName(name)}`);
    return rowCount! > 0;
  });
}
