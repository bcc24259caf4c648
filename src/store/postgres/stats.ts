import { connect, withPool } from './connect.ts';
import { MIGRATIONS } from './migrations.ts';
import { hnswIndexName } from './postgres-store.ts';

export interface PostgresCollectionStats {
  name: string;
  embedderId: string;
  dimension: number;
  createdAt: string;
  documents: number;
  chunks: number;
  /** Whether the collection's HNSW index exists (else vector search is exact). */
  hnswIndex: boolean;
}

export interface PostgresStats {
  schemaVersion: number;
  /** Total size (with indices and TOAST) of attune's tables, by table name. */
  tableBytes: Record<string, number>;
  collections: PostgresCollectionStats[];
}

/** Applies pending schema migrations (also done on every open); `version` is the latest known. */
export async function migrateSchema(url: string): Promise<{ applied: number[]; version: number }> {
  const { pool, applied } = await connect(url);
  await pool.end();
  return { applied, version: Math.max(...MIGRATIONS.map((m) => m.version)) };
}

/** Collections with their document and chunk counts, index state and table sizes. */
export function postgresStats(url: string): Promise<PostgresStats> {
  return withPool(url, async (pool) => {
    const { rows } = await pool.query(`
      SELECT c.name, c.embedder_id, c.dimension, c.created_at,
        (SELECT count(*)::int FROM documents d WHERE d.collection = c.name) AS documents,
        (SELECT count(*)::int FROM chunks k WHERE k.collection = c.name) AS chunks
      FROM collections c ORDER BY c.name`);
    const indexes = new Set(
      (await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = 'chunks'")).rows.map((r) => r.indexname),
    );
    const sizes = (
      await pool.query(
        "SELECT relname, pg_total_relation_size(oid)::bigint AS bytes FROM pg_class WHERE relname IN ('chunks', 'documents', 'collections')",
      )
    ).rows;
    const version = (await pool.query('SELECT max(version) AS v FROM schema_migrations')).rows[0].v;
    return {
      schemaVersion: version,
      tableBytes: Object.fromEntries(sizes.map((r) => [r.relname, Number(r.bytes)])),
      collections: rows.map((r) => ({
        name: r.name,
        embedderId: r.embedder_id,
        dimension: r.dimension,
        createdAt: new Date(r.created_at).toISOString(),
        documents: r.documents,
        chunks: r.chunks,
        hnswIndex: indexes.has(hnswIndexName(r.name)),
      })),
    };
  });
}
