import type { Hit } from '../types.ts';

/**
 * Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ 1 / (k + rank(d)) over the lists
 * that contain d. Rank-based, so it fuses BM25 and cosine scores without normalising them.
 */
export function reciprocalRankFusion(lists: Hit[][], options: { k?: number; limit: number }): Hit[] {
  const k = options.k ?? 60;
  const fused = new Map<string, { hit: Hit; score: number; best: number }>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      const entry = fused.get(hit.chunkId) ?? { hit, score: 0, best: Number.POSITIVE_INFINITY };
      entry.score += 1 / (k + rank + 1);
      entry.best = Math.min(entry.best, rank);
      fused.set(hit.chunkId, entry);
    });
  }
  return (
    [...fused.values()]
      // ties: the better single-list rank first, then chunk id, so results are stable
      .sort((a, b) => b.score - a.score || a.best - b.best || a.hit.chunkId.localeCompare(b.hit.chunkId))
      .slice(0, options.limit)
      .map(({ hit, score }) => ({ ...hit, score }))
  );
}
