import type { Hit } from '../types.ts';

/** Re-orders retrieved hits by relevance to the query; an optional stage after search. */
export interface Reranker {
  readonly id: string;
  rerank(query: string, hits: Hit[], options: { k: number; signal?: AbortSignal }): Promise<Hit[]>;
}
