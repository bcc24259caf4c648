import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Int32, List, Schema, Utf8, type Vector } from 'apache-arrow';
import { StoreError } from '../errors.ts';
import { fuseHybrid } from './fusion.ts';
import type { ChunkRecord, DocumentRecord, Hit, SearchFilter } from '../types.ts';
import { ExactScan } from './exact-scan.ts';
import { filterToWhere, sqlString } from './lance-filter.ts';
import { exportPageSize, type ExportOptions, type Store, type StoreChange, type StoreQuery } from './store.ts';

export interface LanceStoreOptions {
  /** The collection's folder. */
  dir: string;
  collection: string;
  dimension: number;
  /** Rows at which an ANN vector index is built (default 50,000); below it search is exact. */
  annThreshold?: number;
  /** The ANN index kind (default IVF-HNSW-SQ: keeps recall@10 ≈ 1 without refinement; see BENCHMARKS.md). */
  vectorIndex?: VectorIndexKind;
  /** Re-score `refineFactor × k` ANN candidates with exact distances (default: none for HNSW-SQ, 10 for IVF-PQ). */
  refineFactor?: number;
  /**
   * Collections of at most this many chunks (and no ANN index) are searched by vector in memory, exactly
   * (default 20,000, about 30 MB of vectors at 384-d plus their texts; 0 turns it off): a scan of the vectors
   * costs less than a LanceDB query's fixed overhead. The copy is re-read when the table's version changes.
   */
  memoryScanRows?: number;
  /**
   * Bytes LanceDB may keep cached for this collection: index data (BM25 and ANN indices) and file metadata
   * (default LANCE_CACHE: 128 MiB and 32 MiB; config `storeCacheMB`). LanceDB's own defaults are 6 GiB and 1 GiB, and every write
   * makes a new table version whose index and fragment entries join the cache, so a long-running server that
   * keeps writing grew by about 0.8 MB of RSS per write until it reached them (BENCHMARKS.md, "RSS growth").
   */
  cacheBytes?: { index: number; metadata: number };
}

/** The default cache bounds of one LanceDB collection (LanceStoreOptions.cacheBytes). */
export const LANCE_CACHE = lanceCache(160);

/** A cache bound of `megabytes` MiB split as LANCE_CACHE is: 4/5 for index data, 1/5 for file metadata. */
export function lanceCache(megabytes: number): { index: number; metadata: number } {
  return { index: Math.round(megabytes * 0.8 * 2 ** 20), metadata: Math.round(megabytes * 0.2 * 2 ** 20) };
}

export type VectorIndexKind = 'hnsw-sq' | 'ivf-pq';

function indexConfig(kind: VectorIndexKind): lancedb.Index {
  return kind === 'ivf-pq'
    ? lancedb.Index.ivfPq({ distanceType: 'cosine' })
    : lancedb.Index.hnswSq({ distanceType: 'cosine' });
}

const TABLE = 'chunks';
const COLUMNS = [
  'chunk_id',
  'doc_id',
  'source',
  'title',
  'heading_path',
  'page',
  'position',
  'text',
  'doc_hash',
  'labels',
  'tags',
];

/**
 * What the BM25 index covers: the chunk's `keywordText` (its text when it has none). Collections made before
 * this column existed index `text`; their first write adds the column and moves the index to it.
 */
const KEYWORD_COLUMN = 'keyword_text';
/** ChunkRecord.chunking; added together with KEYWORD_COLUMN to older collections (null in their old rows). */
const CHUNKING_COLUMN = 'chunking';

function schema(dimension: number): Schema {
  const strings = () => new List(new Field('item', new Utf8(), true));
  return new Schema([
    new Field('chunk_id', new Utf8(), false),
    new Field('doc_id', new Utf8(), false),
    new Field('source', new Utf8(), false),
    new Field('title', new Utf8(), false),
    new Field('heading_path', strings(), false),
    new Field('page', new Int32(), true),
    new Field('position', new Int32(), false),
    new Field('text', new Utf8(), false),
    new Field(KEYWORD_COLUMN, new Utf8(), false),
    new Field(CHUNKING_COLUMN, new Utf8(), true),
    new Field('doc_hash', new Utf8(), false),
    new Field('labels', strings(), false),
    new Field('tags', strings(), false),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
  ]);
}

/** Embedded LanceDB: vectors, BM25 full-text and hybrid (fusion.ts) search in one folder per collection. */
export class LanceStore implements Store {
  readonly kind = 'lancedb';
  readonly collection: string;
  readonly #connection: lancedb.Connection;
  readonly #session: lancedb.Session;
  readonly #table: lancedb.Table;
  #options: LanceStoreOptions;
  /** Whether the table has KEYWORD_COLUMN (collections made before it have not, until their next write). */
  #hasKeywordColumn = false;
  /** The column keyword search uses: the one with a BM25 index, KEYWORD_COLUMN where both have one. */
  #ftsColumn: string | undefined = undefined;
  /** The BM25 index on `text` of a collection made before KEYWORD_COLUMN, dropped once KEYWORD_COLUMN has one. */
  #legacyFtsIndex: string | undefined = undefined;
  #hasAnn: boolean;
  /** The in-memory copy for exact vector search, for one table version (undefined inside: too many rows). */
  #scan: { version: number; scan: Promise<ExactScan | undefined> } | undefined;

  private constructor(
    connection: lancedb.Connection,
    session: lancedb.Session,
    table: lancedb.Table,
    options: LanceStoreOptions,
    indices: lancedb.IndexConfig[],
    tableSchema: Schema,
  ) {
    this.#connection = connection;
    this.#session = session;
    this.#table = table;
    this.collection = options.collection;
    this.#setKeywordIndex(keywordIndexOf(indices, tableSchema));
    const ann = indices.find((index) => index.columns.includes('vector'));
    this.#hasAnn = ann !== undefined;
    // an existing index decides the query settings, whatever kind new collections would get
    this.#options = ann ? { ...options, vectorIndex: /HNSW/i.test(ann.indexType) ? 'hnsw-sq' : 'ivf-pq' } : options;
  }

  static async open(options: LanceStoreOptions): Promise<LanceStore> {
    try {
      const cache = options.cacheBytes ?? LANCE_CACHE;
      const session = new lancedb.Session(BigInt(cache.index), BigInt(cache.metadata));
      const connection = await lancedb.connect(options.dir, { session });
      const table = (await connection.tableNames()).includes(TABLE)
        ? await connection.openTable(TABLE)
        : await connection.createEmptyTable(TABLE, schema(options.dimension), { existOk: true });
      // the bounds the session was built with, so cacheBounds reports them rather than deciding the default again
      return new LanceStore(
        connection,
        session,
        table,
        { ...options, cacheBytes: cache },
        await table.listIndices(),
        await table.schema(),
      );
    } catch (error) {
      throw new StoreError(
        `could not open collection ${options.collection} at ${options.dir}: ${(error as Error).message}`,
        { input: options.dir, cause: error },
      );
    }
  }

  async write(change: StoreChange): Promise<void> {
    for (const chunk of change.upsert) {
      if (chunk.vector.length !== this.#options.dimension) {
        throw new StoreError(
          `chunk ${chunk.chunkId} of ${chunk.docId} has a ${chunk.vector.length}-d vector but collection ${this.collection} is ${this.#options.dimension}-d: nothing was written`,
          { input: chunk.docId },
        );
      }
    }
    // a chunk id given twice keeps its last version (a merge must not insert both)
    const upsert = [...new Map(change.upsert.map((c) => [c.chunkId, c])).values()];
    const touched = [...new Set([...change.removeDocIds, ...upsert.map((c) => c.docId)])];
    if (touched.length === 0) return;
    const where = `doc_id IN (${touched.map(sqlString).join(', ')})`;
    try {
      if (!this.#hasKeywordColumn) await this.#addKeywordColumn();
      if (upsert.length === 0) {
        await this.#table.delete(where);
      } else {
        // one commit: new and changed chunks in, stale chunks of the touched documents out
        await this.#table
          .mergeInsert('chunk_id')
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .whenNotMatchedBySourceDelete({ where })
          .execute(upsert.map(toRow));
      }
      await this.#maintainIndices();
    } catch (error) {
      throw new StoreError(`write to collection ${this.collection} failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** A collection made before KEYWORD_COLUMN gets it, filled with each chunk's text (one commit). */
  async #addKeywordColumn(): Promise<void> {
    try {
      await this.#table.addColumns([
        { name: KEYWORD_COLUMN, valueSql: 'text' },
        { name: CHUNKING_COLUMN, valueSql: 'CAST(NULL AS STRING)' },
      ]);
      this.#hasKeywordColumn = true;
    } catch (error) {
      // another process may have added it first
      this.#setKeywordIndex(keywordIndexOf(await this.#table.listIndices(), await this.#table.schema()));
      if (!this.#hasKeywordColumn) throw error;
    }
  }

  async #maintainIndices(): Promise<void> {
    const rows = await this.#table.countRows();
    if (rows === 0) return;
    if (this.#ftsColumn !== KEYWORD_COLUMN) {
      await this.#table.createIndex(KEYWORD_COLUMN, { config: lancedb.Index.fts(), replace: true });
      this.#ftsColumn = KEYWORD_COLUMN;
    }
    if (this.#legacyFtsIndex) {
      await this.#table.dropIndex(this.#legacyFtsIndex);
      this.#legacyFtsIndex = undefined;
    }
    if (!this.#hasAnn && rows >= (this.#options.annThreshold ?? 50_000))
      await this.createVectorIndex(this.#options.vectorIndex ?? 'hnsw-sq');
    // folds new rows into the existing indices and compacts small fragments
    await this.#table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
  }

  /** The cache bounds this collection's session was built with (LanceStoreOptions.cacheBytes, or LANCE_CACHE). */
  get cacheBounds(): { index: number; metadata: number } {
    return this.#options.cacheBytes!;
  }

  /** Bytes LanceDB holds in this collection's caches now, by its own estimate (bounded by `cacheBytes`). */
  cachedBytes(): number {
    return Number(this.#session.sizeBytes());
  }

  /** Builds (or rebuilds) the ANN index now, whatever the row count; used by benchmarks to compare kinds. */
  async createVectorIndex(kind: VectorIndexKind): Promise<void> {
    await this.#table.createIndex('vector', { config: indexConfig(kind), replace: true });
    this.#hasAnn = true;
    this.#options = { ...this.#options, vectorIndex: kind };
  }

  async search(query: StoreQuery): Promise<Hit[]> {
    if (query.k <= 0) return [];
    if (query.mode === 'vector') return this.#vectorSearch(query.vector, query.k, query.filter);
    if (query.mode === 'keyword') return this.#keywordSearch(query.text, query.k, query.filter);
    const depth = Math.max(query.k * 3, 20);
    const [vector, keyword] = await Promise.all([
      this.#vectorSearch(query.vector, depth, query.filter),
      this.#keywordSearch(query.text, depth, query.filter),
    ]);
    return fuseHybrid(vector, keyword, { fusion: query.fusion, limit: query.k });
  }

  async #vectorSearch(vector: Float32Array | undefined, k: number, filter?: SearchFilter): Promise<Hit[]> {
    if (!vector) throw new StoreError('vector search needs a query vector');
    if (vector.length !== this.#options.dimension)
      throw new StoreError(
        `query vector has dimension ${vector.length}, collection ${this.collection} has ${this.#options.dimension}`,
      );
    const scan = this.#hasAnn ? undefined : await this.#exactScan();
    if (scan) return scan.search(vector, k, filter);
    let search = this.#table
      .vectorSearch(Array.from(vector))
      .distanceType('cosine')
      .select([...COLUMNS, '_distance'])
      .limit(k);
    const where = filterToWhere(filter);
    if (where) search = search.where(where);
    if (this.#hasAnn) {
      search = search.ef(Math.max(64, k * 4));
      const refine = this.#options.refineFactor ?? (this.#options.vectorIndex === 'ivf-pq' ? 10 : 0);
      if (refine > 0) search = search.refineFactor(refine);
    }
    const rows = await search.toArray();
    return rows.map((row) => {
      const score = 1 - Number(row._distance);
      return { ...toHit(row, score), vectorScore: score };
    });
  }

  /** The in-memory copy of a small collection at the table's current version, read once per version. */
  async #exactScan(): Promise<ExactScan | undefined> {
    const limit = this.#options.memoryScanRows ?? 20_000;
    if (limit <= 0) return undefined;
    const version = await this.#table.version();
    if (this.#scan?.version !== version) {
      const scan = this.#readScan(limit);
      this.#scan = { version, scan };
      // a failed read is not kept: the next search tries again
      scan.catch(() => this.#scan?.scan === scan && (this.#scan = undefined));
    }
    return this.#scan!.scan;
  }

  async #readScan(limit: number): Promise<ExactScan | undefined> {
    if ((await this.#table.countRows()) > limit) return undefined;
    const rows = await this.#table
      .query()
      .select([...COLUMNS, 'vector'])
      .toArray();
    return new ExactScan(
      rows.map((row) => {
        const { score: _, ...hit } = toHit(row, 0);
        return { hit, vector: Float32Array.from(row.vector as Iterable<number>) };
      }),
      this.#options.dimension,
    );
  }

  async #keywordSearch(text: string | undefined, k: number, filter?: SearchFilter): Promise<Hit[]> {
    if (text === undefined) throw new StoreError('keyword search needs query text');
    if (!this.#ftsColumn || !/[\p{L}\p{N}]/u.test(text)) return [];
    let search = this.#table
      .query()
      .fullTextSearch(text, { columns: this.#ftsColumn })
      .select([...COLUMNS, '_score'])
      .limit(k);
    const where = filterToWhere(filter);
    if (where) search = search.where(where);
    const rows = await search.toArray();
    return rows.map((row) => toHit(row, Number(row._score)));
  }

  #setKeywordIndex(state: KeywordIndex): void {
    this.#hasKeywordColumn = state.hasKeywordColumn;
    this.#ftsColumn = state.ftsColumn;
    this.#legacyFtsIndex = state.legacyFtsIndex;
  }

  async getChunks(chunkIds: string[], filter?: SearchFilter): Promise<Hit[]> {
    if (chunkIds.length === 0) return [];
    const where = filterToWhere(filter, [`chunk_id IN (${chunkIds.map(sqlString).join(', ')})`])!;
    const rows = await this.#table.query().where(where).select(COLUMNS).toArray();
    return rows.map((row) => toHit(row, 1));
  }

  async chunksOf(docId: string, filter?: SearchFilter): Promise<Hit[]> {
    const where = filterToWhere(filter, [`doc_id = ${sqlString(docId)}`])!;
    const rows = await this.#table.query().where(where).select(COLUMNS).toArray();
    rows.sort((a, b) => a.position - b.position || compareIds(a.chunk_id, b.chunk_id));
    return rows.map((row) => toHit(row, 1));
  }

  async *exportChunks(options: ExportOptions = {}): AsyncGenerator<ChunkRecord[]> {
    const pageSize = exportPageSize(options);
    // one query streams the table in record batches; pages are cut from them without holding the table
    let page: ChunkRecord[] = [];
    const columns = [...COLUMNS, 'vector', ...(this.#hasKeywordColumn ? [KEYWORD_COLUMN, CHUNKING_COLUMN] : [])];
    for await (const batch of this.#table.query().select(columns)) {
      for (const row of batch.toArray()) {
        page.push(toRecord(row));
        if (page.length === pageSize) {
          yield page;
          page = [];
        }
      }
    }
    if (page.length) yield page;
  }

  async documents(): Promise<DocumentRecord[]> {
    // column by column from Arrow: row objects cost ~10 µs per chunk in property access alone (1.4 s at 100k
    // chunks, paid by every incremental ingest and watch batch), the columns a small part of that
    const table = await this.#table
      .query()
      .select(['doc_id', 'source', 'doc_hash', 'labels', 'tags', ...(this.#hasKeywordColumn ? [CHUNKING_COLUMN] : [])])
      .toArrow();
    const chunking = table.getChild(CHUNKING_COLUMN);
    const docIds = strings(table.getChild('doc_id')?.toArray());
    const sources = strings(table.getChild('source')?.toArray());
    const hashes = strings(table.getChild('doc_hash')?.toArray());
    const labels = listColumn(table.getChild('labels'));
    const tags = listColumn(table.getChild('tags'));
    const documents = new Map<string, DocumentRecord>();
    for (let i = 0; i < docIds.length; i++) {
      const docId = docIds[i]!;
      let record = documents.get(docId);
      if (!record) {
        record = { docId, source: sources[i]!, docHash: hashes[i]!, chunks: 0, labels: [], tags: [] };
        const key = chunking?.get(i);
        if (key != null) record.chunking = key;
        documents.set(docId, record);
      }
      record.chunks++;
      // the union over the document's chunks (ingest gives them all the same), sorted
      if (labels.hasValues(i)) record.labels = union(record.labels, labels.values(i));
      if (tags.hasValues(i)) record.tags = union(record.tags, tags.values(i));
    }
    // the order of localeCompare, without its per-call set-up
    const order = new Intl.Collator();
    return [...documents.values()].sort((a, b) => order.compare(a.docId, b.docId));
  }

  async dispose(): Promise<void> {
    this.#table.close();
    this.#connection.close();
  }
}

interface KeywordIndex {
  hasKeywordColumn: boolean;
  ftsColumn: string | undefined;
  legacyFtsIndex: string | undefined;
}

function keywordIndexOf(indices: lancedb.IndexConfig[], tableSchema: Schema): KeywordIndex {
  const legacyFtsIndex = indices.find((index) => index.columns.includes('text'))?.name;
  return {
    hasKeywordColumn: tableSchema.fields.some((field) => field.name === KEYWORD_COLUMN),
    ftsColumn: indices.some((index) => index.columns.includes(KEYWORD_COLUMN))
      ? KEYWORD_COLUMN
      : legacyFtsIndex && 'text',
    legacyFtsIndex,
  };
}

function toRow(chunk: ChunkRecord): Record<string, unknown> {
  return {
    chunk_id: chunk.chunkId,
    doc_id: chunk.docId,
    source: chunk.source,
    title: chunk.title,
    heading_path: chunk.headingPath,
    page: chunk.page,
    position: chunk.position,
    text: chunk.text,
    [KEYWORD_COLUMN]: chunk.keywordText ?? chunk.text,
    [CHUNKING_COLUMN]: chunk.chunking ?? null,
    doc_hash: chunk.docHash,
    labels: chunk.labels,
    tags: chunk.tags,
    vector: Array.from(chunk.vector),
  };
}

function toRecord(row: Record<string, any>): ChunkRecord {
  const { score: _, ...hit } = toHit(row, 0);
  return {
    ...hit,
    position: row.position,
    ...(row[KEYWORD_COLUMN] != null && row[KEYWORD_COLUMN] !== row.text ? { keywordText: row[KEYWORD_COLUMN] } : {}),
    ...(row[CHUNKING_COLUMN] != null ? { chunking: row[CHUNKING_COLUMN] } : {}),
    docHash: row.doc_hash,
    vector: Float32Array.from(row.vector as Iterable<number>),
  };
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function union(a: string[], b: string[]): string[] {
  return b.every((value) => a.includes(value)) ? a : [...new Set([...a, ...b])].sort();
}

function strings(value: unknown): string[] {
  return value ? Array.from(value as Iterable<string>) : [];
}

/**
 * A list-of-strings column read lazily: whether a row's list has values comes from the Arrow offsets (no
 * object per row); the values of the rows that have some are read one by one.
 */
function listColumn(column: Vector | null): { hasValues(row: number): boolean; values(row: number): string[] } {
  const lengths = new Uint32Array(column?.length ?? 0);
  let at = 0;
  for (const data of column?.data ?? []) {
    // a sliced batch's offsets start at its own first row
    const offsets = data.valueOffsets;
    for (let i = 0; i < data.length; i++) lengths[at++] = offsets[i + 1]! - offsets[i]!;
  }
  return {
    hasValues: (row) => lengths[row]! > 0,
    values: (row) => strings(column?.get(row)),
  };
}

function toHit(row: Record<string, any>, score: number): Hit {
  return {
    chunkId: row.chunk_id,
    docId: row.doc_id,
    source: row.source,
    title: row.title,
    headingPath: strings(row.heading_path),
    page: row.page ?? null,
    text: row.text,
    labels: strings(row.labels),
    tags: strings(row.tags),
    score,
  };
}
