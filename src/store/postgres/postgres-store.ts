import { createHash } from 'node:crypto';
import type pg from 'pg';
import { StoreError } from '../../errors.ts';
import type { ChunkRecord, DocumentRecord, Hit, SearchFilter } from '../../types.ts';
import { fuseHybrid } from '../fusion.ts';
import { exportPageSize, type ExportOptions, type Store, type StoreChange, type StoreQuery } from '../store.ts';
import {
  chunkColumns,
  filterWhere,
  HIT_COLUMNS,
  insertChunksSql,
  keywordQuery,
  parameters,
  parseVector,
  toHit,
  vectorLiteral,
} from './postgres-sql.ts';

export interface PostgresStoreOptions {
  pool: pg.Pool;
  collection: string;
  dimension: number;
  /** Rows at which the collection's HNSW index is built; below it vector search is exact. */
  hnswThreshold?: number;
  /** Whether dispose() ends the pool (true when the store made it). */
  ownsPool?: boolean;
}

const INSERT_BATCH = 500;

/** One collection in Postgres/pgvector: rows of the shared `chunks` table with `collection = name`. */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly collection: string;
  readonly #pool: pg.Pool;
  readonly #options: PostgresStoreOptions;
  #hasHnsw: boolean;

  private constructor(options: PostgresStoreOptions, hasHnsw: boolean) {
    this.#pool = options.pool;
    this.#options = options;
    this.collection = options.collection;
    this.#hasHnsw = hasHnsw;
  }

  /** The collection must exist (see postgres-collections.ts); the schema must be migrated. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const name = hnswIndexName(options.collection);
    const found = await options.pool.query(
      'SELECT i.indisvalid AS valid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $1',
      [name],
    );
    // an interrupted CREATE INDEX CONCURRENTLY leaves an invalid index: drop it, rebuild on next write
    if (found.rows[0]?.valid === false) await options.pool.query(`DROP INDEX IF EXISTS ${name}`);
    return new PostgresStore(options, found.rows[0]?.valid === true);
  }

  get hasHnsw(): boolean {
    return this.#hasHnsw;
  }

  async write(change: StoreChange): Promise<void> {
    const upsert = [...new Map(change.upsert.map((c) => [c.chunkId, c])).values()];
    const touched = [...new Set([...change.removeDocIds, ...upsert.map((c) => c.docId)])];
    if (touched.length === 0) return;
    const client = await this.#pool.connect();
    // a checked-out client that loses its connection emits 'error'; unheard, it would crash the
    // process. The pending query rejects with the same error, which the catch below reports.
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    let committing = false;
    try {
      await client.query('BEGIN');
      // serialises writers of this collection; readers keep seeing the last committed state
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [this.collection]);
      await client.query('DELETE FROM chunks WHERE collection = $1 AND doc_id = ANY($2::text[])', [
        this.collection,
        touched,
      ]);
      for (let i = 0; i < upsert.length; i += INSERT_BATCH) {
        await client.query(insertChunksSql(this.#options.dimension), [
          this.collection,
          ...chunkColumns(upsert.slice(i, i + INSERT_BATCH)),
        ]);
      }
      await client.query('DELETE FROM documents WHERE collection = $1 AND doc_id = ANY($2::text[])', [
        this.collection,
        touched,
      ]);
      await client.query(
        `INSERT INTO documents (collection, doc_id, source, doc_hash, chunks, chunking)
         SELECT collection, doc_id, min(source), min(doc_hash), count(*), min(chunking) FROM chunks
         WHERE collection = $1 AND doc_id = ANY($2::text[]) GROUP BY collection, doc_id`,
        [this.collection, touched],
      );
      committing = true;
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      const outcome =
        committing && lost
          ? 'the connection was lost during COMMIT, so it may or may not have landed; ingest again (unchanged documents are skipped)'
          : 'nothing was changed';
      throw new StoreError(`write to collection ${this.collection} failed, ${outcome}: ${(error as Error).message}`, {
        input: this.collection,
        cause: error,
      });
    } finally {
      client.off('error', onError);
      client.release(lost); // a broken connection is dropped from the pool, not reused
    }
    await this.#maybeBuildHnsw();
  }

  async #maybeBuildHnsw(): Promise<void> {
    if (this.#hasHnsw) return;
    const threshold = this.#options.hnswThreshold ?? 20_000;
    const { rows } = await this.#pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM chunks WHERE collection = $1',
      [this.collection],
    );
    if (rows[0]!.n < threshold) return;
    await this.buildHnsw();
  }

  /** Builds the collection's HNSW index now (idempotent). */
  async buildHnsw(): Promise<void> {
    const name = hnswIndexName(this.collection);
    const literal = this.collection.replaceAll("'", "''");
    try {
      // CONCURRENTLY: other collections' writers are not blocked while the graph is built
      await this.#pool.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON chunks USING hnsw ((embedding::vector(${this.#options.dimension})) vector_cosine_ops)
         WITH (m = 16, ef_construction = 64) WHERE collection = '${literal}'`,
      );
    } catch (error) {
      // another process built it at the same moment
      if ((error as { code?: string }).code !== '42P07')
        throw new StoreError(`building the HNSW index of ${this.collection} failed: ${(error as Error).message}`, {
          cause: error,
        });
    }
    this.#hasHnsw = true;
  }

  async search(query: StoreQuery): Promise<Hit[]> {
    if (query.k <= 0) return [];
    if (query.mode !== 'keyword' && !query.vector) throw new StoreError(`${query.mode} search needs a query vector`);
    if (query.mode !== 'vector' && query.text === undefined)
      throw new StoreError(`${query.mode} search needs query text`);
    if (query.vector && query.vector.length !== this.#options.dimension) {
      throw new StoreError(
        `query vector has dimension ${query.vector.length}, collection ${this.collection} has ${this.#options.dimension}`,
      );
    }
    const p = parameters();
    const where = filterWhere(p, this.collection, query.filter);
    // the cast matches the partial HNSW index expression, so the planner can use it
    const distance =
      query.mode !== 'keyword' && query.vector
        ? `embedding::vector(${this.#options.dimension}) <=> ${p.add(vectorLiteral(query.vector))}::vector`
        : '';
    const tsquery = query.mode !== 'vector' && query.text !== undefined ? keywordQuery(p, query.text) : '';
    const vectorList = (limit: string) =>
      `SELECT chunk_id, row_number() OVER (ORDER BY d, chunk_id) AS r, 1 - d AS s FROM (SELECT chunk_id, ${distance} AS d FROM chunks WHERE ${where} ORDER BY d, chunk_id LIMIT ${limit}) v`;
    const keywordList = (limit: string) =>
      `SELECT chunk_id, row_number() OVER (ORDER BY s DESC, chunk_id) AS r, s FROM (SELECT chunk_id, ts_rank_cd(tsv, q) AS s FROM chunks, (SELECT ${tsquery} AS q) tq WHERE ${where} AND tsv @@ q ORDER BY s DESC, chunk_id LIMIT ${limit}) k`;
    const toHits = (rows: Record<string, any>[]) =>
      rows.map((row) =>
        row.vector_score === null
          ? toHit(row, Number(row.score))
          : { ...toHit(row, Number(row.score)), vectorScore: Number(row.vector_score) },
      );
    if (query.mode === 'vector' || query.mode === 'keyword') {
      const list = query.mode === 'vector' ? vectorList(p.add(query.k)) : keywordList(p.add(query.k));
      const vectorScore = query.mode === 'vector' ? 'l.s' : 'NULL';
      const sql = `WITH l AS (${list}) SELECT ${prefixed('c')}, l.s AS score, ${vectorScore} AS vector_score FROM l JOIN chunks c ON c.collection = $1 AND c.chunk_id = l.chunk_id ORDER BY l.r`;
      return toHits((await this.#pool.query(sql, p.values)).rows);
    }
    // both ranked lists in one round trip, fused by store/fusion.ts like every other backend
    const depth = p.add(Math.max(query.k * 3, 20));
    const sql = `WITH v AS (${vectorList(depth)}), k AS (${keywordList(depth)})
      SELECT ${prefixed('c')}, 'v' AS list, v.r, v.s AS score, v.s AS vector_score FROM v JOIN chunks c ON c.collection = $1 AND c.chunk_id = v.chunk_id
      UNION ALL
      SELECT ${prefixed('c')}, 'k' AS list, k.r, k.s AS score, NULL AS vector_score FROM k JOIN chunks c ON c.collection = $1 AND c.chunk_id = k.chunk_id
      ORDER BY list DESC, r`;
    const { rows } = await this.#pool.query(sql, p.values);
    return fuseHybrid(toHits(rows.filter((row) => row.list === 'v')), toHits(rows.filter((row) => row.list === 'k')), {
      fusion: query.fusion,
      limit: query.k,
    });
  }

  async getChunks(chunkIds: string[], filter?: SearchFilter): Promise<Hit[]> {
    if (chunkIds.length === 0) return [];
    const p = parameters();
    const where = filterWhere(p, this.collection, filter);
    const { rows } = await this.#pool.query(
      `SELECT ${HIT_COLUMNS} FROM chunks WHERE ${where} AND chunk_id = ANY(${p.add(chunkIds)}::text[]) ORDER BY chunk_id`,
      p.values,
    );
    return rows.map((row) => toHit(row, 1));
  }

  async documents(): Promise<DocumentRecord[]> {
    // labels and tags live on the chunks: the union over a document's chunks (ingest gives them all the same), sorted
    const union = (column: string) =>
      `(SELECT coalesce(array_agg(DISTINCT v ORDER BY v), '{}') FROM chunks c, unnest(c.${column}) v WHERE c.collection = d.collection AND c.doc_id = d.doc_id) AS ${column}`;
    const { rows } = await this.#pool.query(
      `SELECT d.doc_id, d.source, d.doc_hash, d.chunks, d.chunking, ${union('labels')}, ${union('tags')} FROM documents d WHERE d.collection = $1 ORDER BY d.doc_id`,
      [this.collection],
    );
    return rows
      .map((r) => ({
        docId: r.doc_id,
        source: r.source,
        docHash: r.doc_hash,
        chunks: r.chunks,
        labels: r.labels ?? [],
        tags: r.tags ?? [],
        ...(r.chunking !== null ? { chunking: r.chunking } : {}),
      }))
      .sort((a, b) => a.docId.localeCompare(b.docId));
  }

  async chunksOf(docId: string, filter?: SearchFilter): Promise<Hit[]> {
    const p = parameters();
    const where = filterWhere(p, this.collection, filter);
    const { rows } = await this.#pool.query(
      `SELECT ${HIT_COLUMNS} FROM chunks WHERE ${where} AND doc_id = ${p.add(docId)} ORDER BY position, chunk_id COLLATE "C"`,
      p.values,
    );
    return rows.map((row) => toHit(row, 1));
  }

  /** Pages by chunk id (keyset), so each page is one short query; a write between pages may show in later pages. */
  async *exportChunks(options: ExportOptions = {}): AsyncGenerator<ChunkRecord[]> {
    const pageSize = exportPageSize(options);
    let after = '';
    for (;;) {
      const { rows } = await this.#pool.query(
        `SELECT ${HIT_COLUMNS}, position, keyword_text, chunking, doc_hash, embedding::text AS embedding FROM chunks WHERE collection = $1 AND chunk_id COLLATE "C" > $2 ORDER BY chunk_id COLLATE "C" LIMIT $3`,
        [this.collection, after, pageSize],
      );
      if (rows.length === 0) return;
      yield rows
        .map((r) => ({
          ...toHit(r, 0),
          position: r.position,
          ...(r.keyword_text !== null ? { keywordText: r.keyword_text } : {}),
          ...(r.chunking !== null ? { chunking: r.chunking } : {}),
          docHash: r.doc_hash,
          vector: parseVector(r.embedding),
        }))
        .map(({ score: _, ...c }) => c);
      if (rows.length < pageSize) return;
      after = rows.at(-1)!.chunk_id;
    }
  }

  async dispose(): Promise<void> {
    if (this.#options.ownsPool) await this.#pool.end();
  }
}

function prefixed(alias: string): string {
  return HIT_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

export function hnswIndexName(collection: string): string {
  return `chunks_hnsw_${createHash('sha256').update(collection).digest('hex').slice(0, 16)}`;
}
