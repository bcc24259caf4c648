import type pg from 'pg';

/**
 * Versioned schema, applied in order on open; each version runs once (recorded in
 * schema_migrations) inside one transaction under an advisory lock, so concurrent opens are safe.
 *
 * Vectors: one `chunks` table for all collections with an untyped `vector` column, because the
 * dimension is per collection. The dimension is enforced on insert (`::vector(d)` cast fails the
 * whole write) and HNSW indexes are per-collection partial expression indexes on
 * `(embedding::vector(d))`, which pgvector needs (it cannot index a column without dimensions).
 * A table per collection would also work but multiplies DDL and migrations by the collections.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'collections, documents, chunks',
    sql: `
      CREATE EXTENSION IF NOT EXISTS vector;
      CREATE TABLE collections (
        name text PRIMARY KEY,
        embedder_id text NOT NULL,
        dimension integer NOT NULL CHECK (dimension > 0 AND dimension <= 16000),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE documents (
        collection text NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
        doc_id text NOT NULL,
        source text NOT NULL,
        doc_hash text NOT NULL,
        chunks integer NOT NULL,
        PRIMARY KEY (collection, doc_id)
      );
      CREATE TABLE chunks (
        collection text NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
        chunk_id text NOT NULL,
        doc_id text NOT NULL,
        source text NOT NULL,
        title text NOT NULL,
        heading_path text[] NOT NULL,
        page integer,
        position integer NOT NULL,
        text text NOT NULL,
        doc_hash text NOT NULL,
        labels text[] NOT NULL DEFAULT '{}',
        tags text[] NOT NULL DEFAULT '{}',
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED,
        embedding vector NOT NULL,
        PRIMARY KEY (collection, chunk_id)
      );
      CREATE INDEX chunks_doc ON chunks (collection, doc_id);
      CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
    `,
  },
  {
    // the keyword index covers keyword_text where a chunk has one (chunking.contextHeaders: title and headings above the text)
    // and how each document was chunked (ingest re-chunks a document chunked under other settings)
    version: 2,
    name: 'chunks.keyword_text, chunking',
    sql: `
      ALTER TABLE chunks ADD COLUMN keyword_text text;
      ALTER TABLE chunks ADD COLUMN chunking text;
      ALTER TABLE documents ADD COLUMN chunking text;
      DROP INDEX chunks_tsv;
      ALTER TABLE chunks DROP COLUMN tsv;
      ALTER TABLE chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(keyword_text, text))) STORED;
      CREATE INDEX chunks_tsv ON chunks USING gin (tsv);
    `,
  },
];

const MIGRATION_LOCK = 7_301_964; // arbitrary constant shared by every attune process

/** Applies the pending migrations; returns the versions applied now (empty when up to date). */
export async function migrate(pool: pg.Pool, migrations = MIGRATIONS): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  let lost: Error | undefined;
  const onError = (error: Error) => (lost = error); // a lost connection rejects the pending query too
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
