import type { Embedder } from '../../embed/embedder.ts';
import { mean, pairedBootstrap } from '../../evaluate/metrics/statistics.ts';
import { ndcg, recallAtK } from '../../evaluate/metrics/retrieval.ts';
import { rankChunks, type IndexedChunk } from './exact-search.ts';
import type { EmbedderMeta } from './registry.ts';

export interface GoldQuestion {
  question: string;
  goldDocIds: string[];
}

/** Per-question nDCG@10 and recall@10 (document level) of exact vector search over `chunks` with `embedder`. */
export async function scoreRetrieval(
  embedder: Embedder,
  chunks: readonly IndexedChunk[],
  questions: readonly GoldQuestion[],
  options: { signal?: AbortSignal } = {},
): Promise<{ ndcg: number[]; recall: number[] }> {
  const vectors = await embedder.embed(
    questions.map((q) => q.question),
    options,
  );
  const scores = { ndcg: [] as number[], recall: [] as number[] };
  questions.forEach((q, i) => {
    const ranking = rankChunks(vectors[i]!, chunks);
    scores.ndcg.push(ndcg(ranking, q.goldDocIds, 10) ?? 0);
    scores.recall.push(recallAtK(ranking, q.goldDocIds, 10) ?? 0);
  });
  return scores;
}

/** The chunks embedded again with another embedder (the tuned one), for the same exact search. */
export async function embedChunks(
  embedder: Embedder,
  chunks: readonly { chunkId: string; docId: string; text: string }[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<IndexedChunk[]> {
  const indexed: IndexedChunk[] = [];
  for (let start = 0; start < chunks.length; start += 64) {
    const batch = chunks.slice(start, start + 64);
    const vectors = await embedder.embed(
      batch.map((c) => c.text),
      { signal: options.signal },
    );
    batch.forEach((c, i) => indexed.push({ chunkId: c.chunkId, docId: c.docId, vector: vectors[i]! }));
    options.onProgress?.(indexed.length, chunks.length);
  }
  return indexed;
}

/** meta.json's before/after block: means, and after − before in nDCG@10 by a paired bootstrap. */
export function compareScores(
  before: { ndcg: number[]; recall: number[] },
  after: { ndcg: number[]; recall: number[] },
): NonNullable<EmbedderMeta['heldOut']> {
  const test = pairedBootstrap(after.ndcg, before.ndcg, { resamples: 5000 });
  return {
    questions: before.ndcg.length,
    before: { ndcg10: mean(before.ndcg) ?? 0, recall10: mean(before.recall) ?? 0 },
    after: { ndcg10: mean(after.ndcg) ?? 0, recall10: mean(after.recall) ?? 0 },
    test: test && { difference: test.difference, low: test.low, high: test.high, p: test.p, n: test.n },
  };
}
