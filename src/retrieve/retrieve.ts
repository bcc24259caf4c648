import type { Embedder } from '../embed/embedder.ts';
import type { Fusion } from '../store/fusion.ts';
import type { Store } from '../store/store.ts';
import type { Hit, SearchFilter, SearchMode } from '../types.ts';
import { queryVector } from './query-vectors.ts';
import type { Reranker } from './reranker.ts';

export interface RetrieveOptions {
  k: number;
  mode: SearchMode;
  filter?: SearchFilter;
  /** Hybrid search's fusion of its vector and keyword lists (default: convex, equal weights; store/fusion.ts). */
  fusion?: Fusion;
  reranker?: Reranker;
  /** Candidates fetched for the reranker to choose from (default 3 × k). */
  candidates?: number;
  signal?: AbortSignal;
}

export interface Retrieval {
  hits: Hit[];
  /** The query's embedding (absent for keyword search), for callers that search again. */
  vector?: Float32Array;
  /**
   * The highest vector score (cosine similarity) among the store's hits, before reranking and the
   * cut to k; absent for keyword search or no hits. In vector search it is the closest visible chunk's.
   */
  bestVectorScore?: number;
  timings: { embedMs: number; searchMs: number; rerankMs: number };
}

/** Embed the query, search the store (filters inside the store query), optionally rerank. */
export async function retrieve(
  store: Store,
  embedder: Embedder,
  query: string,
  options: RetrieveOptions,
): Promise<Retrieval> {
  const started = performance.now();
  const vector = options.mode === 'keyword' ? undefined : await queryVector(embedder, query, options.signal);
  const embedded = performance.now();
  const depth = options.reranker ? (options.candidates ?? options.k * 3) : options.k;
  let hits = await store.search({
    mode: options.mode,
    vector,
    text: query,
    k: depth,
    filter: options.filter,
    fusion: options.fusion,
  });
  const searched = performance.now();
  const vectorScores = hits.flatMap((hit) => (hit.vectorScore === undefined ? [] : [hit.vectorScore]));
  if (options.reranker && hits.length > 0)
    hits = await options.reranker.rerank(query, hits, { k: options.k, signal: options.signal });
  return {
    hits: hits.slice(0, options.k),
    vector,
    ...(vectorScores.length ? { bestVectorScore: Math.max(...vectorScores) } : {}),
    timings: { embedMs: embedded - started, searchMs: searched - embedded, rerankMs: performance.now() - searched },
  };
}
