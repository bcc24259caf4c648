import type { Embedder } from '../../embed/embedder.ts';
import { rankChunks, type IndexedChunk } from './exact-search.ts';
import type { EmbedderPair } from './pairs.ts';

/** A training row as python/train_embedder.py reads it. */
export interface TrainingRow {
  anchor: string;
  positive: string;
  negative?: string;
}

/**
 * Hard negatives mined with the collection's current embedder: for each pair, the best-ranked chunk of another
 * document among `pool` (the chunks training may see: never a held-out document's). A candidate scoring above
 * `margin` × the positive's similarity is passed over as a likely unlabelled answer (positive-aware mining, as in
 * NV-Retriever): a false negative would teach the model to push a right passage away.
 */
export async function mineHardNegatives(
  pairs: EmbedderPair[],
  options: {
    embedder: Embedder;
    pool: readonly (IndexedChunk & { text: string })[];
    /** The stored vectors of the positives, by chunk id. */
    vectors: ReadonlyMap<string, Float32Array>;
    margin?: number;
    signal?: AbortSignal;
  },
): Promise<{ rows: TrainingRow[]; withNegative: number }> {
  const margin = options.margin ?? 0.95;
  const texts = new Map(options.pool.map((c) => [c.chunkId, c.text]));
  const questions = await options.embedder.embed(
    pairs.map((p) => p.question),
    { signal: options.signal },
  );
  let withNegative = 0;
  const rows = pairs.map((p, i) => {
    const query = questions[i]!;
    const positive = options.vectors.get(p.chunkId);
    const ceiling = positive ? margin * dot(query, positive) : Number.POSITIVE_INFINITY;
    const negative = rankChunks(query, options.pool).find((hit) => hit.docId !== p.docId && hit.score < ceiling);
    if (negative) withNegative++;
    return {
      anchor: p.question,
      positive: p.passage,
      ...(negative ? { negative: texts.get(negative.chunkId)! } : {}),
    };
  });
  return { rows, withNegative };
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
