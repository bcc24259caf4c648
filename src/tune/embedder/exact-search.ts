/** A chunk as the exact search sees it: its document and its (L2-normalised) vector. */
export interface IndexedChunk {
  chunkId: string;
  docId: string;
  vector: Float32Array;
}

/**
 * Every chunk ranked by cosine similarity to the query (vectors are L2-normalised, so a dot product), best
 * first, the first `k` kept. Exact, in memory: tuning compares two embedders on the same chunks, and an
 * approximate index would add its own error to the difference.
 */
export function rankChunks(
  query: Float32Array,
  chunks: readonly IndexedChunk[],
  k = chunks.length,
): { chunkId: string; docId: string; score: number }[] {
  const scored = chunks.map((chunk) => {
    let score = 0;
    for (let i = 0; i < query.length; i++) score += query[i]! * chunk.vector[i]!;
    return { chunkId: chunk.chunkId, docId: chunk.docId, score };
  });
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}
