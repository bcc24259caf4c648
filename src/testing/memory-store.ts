import { StoreError } from '../errors.ts';
import { rowFilter } from '../store/exact-scan.ts';
import { fuseHybrid } from '../store/fusion.ts';
import { exportPageSize, type ExportOptions, type Store, type StoreChange, type StoreQuery } from '../store/store.ts';
import type { ChunkRecord, DocumentRecord, Hit, SearchFilter } from '../types.ts';
import { words } from './text-features.ts';

/** One stored chunk with its keyword statistics, computed once at write time. */
interface Entry {
  record: ChunkRecord;
  terms: Map<string, number>;
  length: number;
}

/** A consistent view of the collection: replaced as a whole by each write, never mutated. */
interface Snapshot {
  entries: Map<string, Entry>;
  /** Chunks containing each term. */
  documentFrequency: Map<string, number>;
  averageLength: number;
}

const BM25_K1 = 1.2;
const BM25_B = 0.75;

/**
 * A Store in memory for fast tests and small embedded uses: exact cosine search, BM25 keyword
 * search, hybrid by the same fusion as the other stores (fusion.ts), and filters (sources,
 * documents, tags, access labels) applied before the limit. Each write builds a new snapshot and
 * swaps it in, so a reader sees all of a write or none of it. Passes `store.contract.ts`.
 */
export class MemoryStore implements Store, AsyncDisposable {
  readonly kind = 'memory';
  readonly collection: string;
  readonly dimension: number;
  #snapshot: Snapshot = { entries: new Map(), documentFrequency: new Map(), averageLength: 0 };

  constructor(options: { collection: string; dimension: number }) {
    this.collection = options.collection;
    this.dimension = options.dimension;
  }

  async write(change: StoreChange): Promise<void> {
    for (const chunk of change.upsert) {
      if (chunk.vector.length !== this.dimension) {
        throw new StoreError(
          `chunk ${chunk.chunkId} of ${chunk.docId} has a ${chunk.vector.length}-d vector but collection ${this.collection} is ${this.dimension}-d: nothing was written`,
          { input: chunk.docId },
        );
      }
    }
    // like the other stores: every chunk of a touched document is replaced, a repeated chunk id keeps its last version
    const touched = new Set([...change.removeDocIds, ...change.upsert.map((c) => c.docId)]);
    if (touched.size === 0) return;
    const entries = new Map([...this.#snapshot.entries].filter(([, entry]) => !touched.has(entry.record.docId)));
    for (const chunk of change.upsert) entries.set(chunk.chunkId, toEntry(chunk));
    this.#snapshot = snapshotOf(entries);
  }

  async search(query: StoreQuery): Promise<Hit[]> {
    if (query.k <= 0) return [];
    const snapshot = this.#snapshot;
    const visible = [...snapshot.entries.values()].filter((entry) => matches(entry.record, query.filter));
    if (query.mode === 'vector') return this.#vectorSearch(visible, query.vector, query.k);
    if (query.mode === 'keyword') return keywordSearch(snapshot, visible, query.text, query.k);
    const depth = Math.max(query.k * 3, 20);
    return fuseHybrid(
      this.#vectorSearch(visible, query.vector, depth),
      keywordSearch(snapshot, visible, query.text, depth),
      { fusion: query.fusion, limit: query.k },
    );
  }

  #vectorSearch(visible: Entry[], vector: Float32Array | undefined, k: number): Hit[] {
    if (!vector) throw new StoreError('vector search needs a query vector');
    if (vector.length !== this.dimension)
      throw new StoreError(
        `query vector has dimension ${vector.length}, collection ${this.collection} has ${this.dimension}`,
      );
    return ranked(
      visible.map((entry) => ({ entry, score: cosine(vector, entry.record.vector) })),
      k,
    ).map((hit) => ({ ...hit, vectorScore: hit.score }));
  }

  async getChunks(chunkIds: string[], filter?: SearchFilter): Promise<Hit[]> {
    const entries = this.#snapshot.entries;
    return [...new Set(chunkIds)].flatMap((id) => {
      const entry = entries.get(id);
      return entry && matches(entry.record, filter) ? [toHit(entry.record, 1)] : [];
    });
  }

  async chunksOf(docId: string, filter?: SearchFilter): Promise<Hit[]> {
    return [...this.#snapshot.entries.values()]
      .map((entry) => entry.record)
      .filter((record) => record.docId === docId && matches(record, filter))
      .sort((a, b) => a.position - b.position || (a.chunkId < b.chunkId ? -1 : a.chunkId > b.chunkId ? 1 : 0))
      .map((record) => toHit(record, 1));
  }

  async *exportChunks(options: ExportOptions = {}): AsyncGenerator<ChunkRecord[]> {
    const pageSize = exportPageSize(options);
    // the snapshot when iteration starts: later writes swap in a new one and do not change this export
    const records = [...this.#snapshot.entries.values()].map((entry) => entry.record);
    for (let i = 0; i < records.length; i += pageSize) yield records.slice(i, i + pageSize).map(copyRecord);
  }

  async documents(): Promise<DocumentRecord[]> {
    const documents = new Map<string, DocumentRecord>();
    for (const { record } of this.#snapshot.entries.values()) {
      const document = documents.get(record.docId) ?? {
        docId: record.docId,
        source: record.source,
        docHash: record.docHash,
        chunks: 0,
        labels: [],
        tags: [],
        ...(record.chunking !== undefined ? { chunking: record.chunking } : {}),
      };
      document.chunks++;
      // like the other stores: a document's labels and tags are the sorted union over its chunks
      document.labels = [...new Set([...document.labels, ...record.labels])].sort();
      document.tags = [...new Set([...document.tags, ...record.tags])].sort();
      documents.set(record.docId, document);
    }
    return [...documents.values()].sort((a, b) => a.docId.localeCompare(b.docId));
  }

  async dispose(): Promise<void> {
    this.#snapshot = snapshotOf(new Map());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** Copies: a caller that reuses (or changes) its arrays must not change what is stored. */
function copyRecord(chunk: ChunkRecord): ChunkRecord {
  const { keywordText, ...rest } = chunk;
  return {
    ...rest,
    // kept only where it differs from the text, as the other stores return it
    ...(keywordText !== undefined && keywordText !== chunk.text ? { keywordText } : {}),
    headingPath: [...chunk.headingPath],
    labels: [...chunk.labels],
    tags: [...chunk.tags],
    vector: Float32Array.from(chunk.vector),
  };
}

function toEntry(chunk: ChunkRecord): Entry {
  const record = copyRecord(chunk);
  const tokens = words(chunk.keywordText ?? chunk.text);
  const terms = new Map<string, number>();
  for (const token of tokens) terms.set(token, (terms.get(token) ?? 0) + 1);
  return { record, terms, length: tokens.length };
}

function snapshotOf(entries: Map<string, Entry>): Snapshot {
  const documentFrequency = new Map<string, number>();
  let totalLength = 0;
  for (const entry of entries.values()) {
    totalLength += entry.length;
    for (const term of entry.terms.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  return { entries, documentFrequency, averageLength: entries.size ? totalLength / entries.size : 0 };
}

/** Okapi BM25 over the whole collection's statistics; only chunks sharing a query term are hits. */
function keywordSearch(snapshot: Snapshot, visible: Entry[], text: string | undefined, k: number): Hit[] {
  if (text === undefined) throw new StoreError('keyword search needs query text');
  const terms = [...new Set(words(text))];
  const total = snapshot.entries.size;
  const scored = visible.flatMap((entry) => {
    let score = 0;
    for (const term of terms) {
      const frequency = entry.terms.get(term);
      if (!frequency) continue;
      const containing = snapshot.documentFrequency.get(term) ?? 0;
      const idf = Math.log(1 + (total - containing + 0.5) / (containing + 0.5));
      const norm = BM25_K1 * (1 - BM25_B + (BM25_B * entry.length) / (snapshot.averageLength || 1));
      score += (idf * frequency * (BM25_K1 + 1)) / (frequency + norm);
    }
    return score > 0 ? [{ entry, score }] : [];
  });
  return ranked(scored, k);
}

/** Best first; ties by chunk id so that results are stable. */
function ranked(scored: { entry: Entry; score: number }[], k: number): Hit[] {
  return scored
    .sort((a, b) => b.score - a.score || a.entry.record.chunkId.localeCompare(b.entry.record.chunkId))
    .slice(0, k)
    .map(({ entry, score }) => toHit(entry.record, score));
}

/** The filter as the LanceDB store's in-memory scan applies it (exact-scan.ts), so both mean the same. */
function matches(record: ChunkRecord, filter: SearchFilter | undefined): boolean {
  return rowFilter(filter)?.(record) ?? true;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    normA += a[i]! * a[i]!;
    normB += b[i]! * b[i]!;
  }
  return normA && normB ? dot / Math.sqrt(normA * normB) : 0;
}

function toHit(record: ChunkRecord, score: number): Hit {
  const { chunkId, docId, source, title, headingPath, page, text, labels, tags } = record;
  return {
    chunkId,
    docId,
    source,
    title,
    headingPath: [...headingPath],
    page,
    text,
    labels: [...labels],
    tags: [...tags],
    score,
  };
}
