import type { ChunkRecord, DocumentRecord, Hit, SearchFilter, SearchMode } from '../types.ts';

export interface StoreQuery {
  mode: SearchMode;
  /** Required for vector and hybrid. */
  vector?: Float32Array;
  /** Required for keyword and hybrid. */
  text?: string;
  k: number;
  filter?: SearchFilter;
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
  documents(): Promise<DocumentRecord[]>;
  dispose(): Promise<void>;
}
