import type { Hit } from '../types.ts';

/** One ranked list to fuse: its hits best first, its weight, and what each hit adds (times the weight). */
export interface WeightedList {
  hits: Hit[];
  weight: number;
  score: (hit: Hit, rank: number) => number;
}

/**
 * Sums each chunk's weighted contributions over the lists that contain it. A list with weight 0 adds
 * nothing. Ties go to the better single-list rank, then the chunk id, so results are stable.
 */
export function fuseWeightedLists(lists: WeightedList[], limit: number): Hit[] {
  const fused = new Map<string, { hit: Hit; score: number; best: number }>();
  for (const list of lists) {
    if (list.weight <= 0) continue;
    list.hits.forEach((hit, rank) => {
      const entry = fused.get(hit.chunkId) ?? { hit, score: 0, best: Number.POSITIVE_INFINITY };
      entry.score += list.weight * list.score(hit, rank);
      entry.best = Math.min(entry.best, rank);
      fused.set(hit.chunkId, entry);
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.hit.chunkId.localeCompare(b.hit.chunkId))
    .slice(0, limit)
    .map(({ hit, score }) => ({ ...hit, score }));
}

/** The reciprocal-rank contribution 1 / (k + rank), rank counted from 1. */
export function reciprocalRank(k: number): (hit: Hit, rank: number) => number {
  return (_, rank) => 1 / (k + rank + 1);
}

/**
 * Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ 1 / (k + rank(d)) over the lists
 * that contain d. Rank-based, so it fuses BM25 and cosine scores without normalising them.
 */
export function reciprocalRankFusion(lists: Hit[][], options: { k?: number; limit: number }): Hit[] {
  const score = reciprocalRank(options.k ?? 60);
  return fuseWeightedLists(
    lists.map((hits) => ({ hits, weight: 1, score })),
    options.limit,
  );
}
