import { UsageError } from '../errors.ts';
import type { ChunkRecord, DocumentRecord, Hit, SearchFilter, SearchMode } from '../types.ts';
import type { Fusion } from './fusion.ts';

export interface StoreQuery {
  mode: SearchMode;
  /** Required for vector and hybrid. */
  vector?: Float32Array;
  /** Required for keyword and hybrid. */
  text?: string;
  k: number;
  filter?: SearchFilter;
  /** How hybrid search fuses its two lists (fusion.ts); default DEFAULT_FUSION (convex, equal weights). Vector and keyword search ignore it. */
  fusion?: Fusion;
}

export interface ExportOptions {
  pageSize?: number;
}

/** The page size of an export: a positive whole number, 1,000 when not given. */
export function exportPageSize(options: ExportOptions = {}): number {
  const size = options.pageSize ?? 1000;
  if (!Number.isInteger(size) || size < 1)
    throw new UsageError(`export page size must be a whole number of at least 1, got ${size}`);
  return size;
}

export interface StoreChange {
  upsert: ChunkRecord[];
  /** Documents whose chunks are removed (before `upsert` is applied). */
  removeDocIds: string[];
}

/**
 * One collection's chunks, vectors and keyword index. Backends: LanceDB (embedded), Postgres/pgvector.
 * Every backend passes `store.contract.ts`.
 */
export interface Store {
  readonly kind: string;
  readonly collection: string;
  /** Applies the change atomically: a reader sees all of it or none of it. */
  write(change: StoreChange): Promise<void>;
  search(query: StoreQuery): Promise<Hit[]>;
  /** Chunks by id, with the same filter as search (a probe by id must not cross labels). */
  getChunks(chunkIds: string[], filter?: SearchFilter): Promise<Hit[]>;
  /** A document's chunks in position order, with the same filter as search (`score` is 1). */
  chunksOf(docId: string, filter?: SearchFilter): Promise<Hit[]>;
  documents(): Promise<DocumentRecord[]>;
  /**
   * Every chunk of the collection with its vector, in pages of at most `pageSize` (default 1,000)
   * chunks, each chunk once when no write runs meanwhile: for whole-collection export and copy.
   */
  exportChunks(options?: ExportOptions): AsyncIterable<ChunkRecord[]>;
  dispose(): Promise<void>;
}
