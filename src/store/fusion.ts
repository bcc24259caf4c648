import type { Hit } from '../types.ts';
import { fuseWeightedLists, reciprocalRank, reciprocalRankFusion } from './rrf.ts';

export type FusionMethod = 'rrf' | 'weighted-rrf' | 'convex';

/**
 * How hybrid search fuses its vector and keyword lists (`retrieval.fusion` in the config). `weight` is the
 * vector list's share (0..1), the keyword list gets 1 − weight; plain `rrf` weighs both alike.
 */
export interface Fusion {
  method: FusionMethod;
  /** The vector list's weight in [0, 1] (default 0.5); ignored by plain rrf. */
  weight?: number;
  /** The RRF rank constant (default 60); ignored by convex. */
  k?: number;
}

/**
 * Convex score fusion with equal weights. Chosen by bench:fusion (BENCHMARKS.md, "Hybrid fusion and contextual chunk
 * headers") on clapnq, fictional-knowledge, Spider schema cards and covid-faq by a rule fixed before the runs: the
 * fusion whose worst nDCG@10 margin over the better single list is highest. It beat plain RRF (k = 60, the default
 * until then) on all four, and trailed the better single list by at most 0.0054 (clapnq) where RRF trailed by 0.030.
 */
export const DEFAULT_FUSION: Fusion = { method: 'convex', weight: 0.5 };

/** "rrf", "weighted-rrf w=0.70", "convex w=0.30": a fusion in one short label. */
export function describeFusion(fusion: Fusion | undefined): string {
  const f = fusion ?? DEFAULT_FUSION;
  return f.method === 'rrf' ? 'rrf' : `${f.method} w=${(f.weight ?? 0.5).toFixed(2)}`;
}

/**
 * The one fusion every store backend runs for hybrid search (`vector` and `keyword` ranked best first,
 * each hit carrying its list's raw score). Methods:
 * - `rrf`: Σ 1 / (k + rank), both lists alike (Cormack et al. 2009);
 * - `weighted-rrf`: weight / (k + vector rank) + (1 − weight) / (k + keyword rank);
 * - `convex`: weight · v + (1 − weight) · b, where v and b are the cosine and BM25 scores min-max normalised
 *   within this query's list (best 1, worst 0; a list whose scores are all equal gives each 1). A chunk
 *   missing from a list scores 0 there — the same as that list's worst entry.
 * A list with weight 0 contributes nothing, so weight 1 returns the vector list and weight 0 the keyword
 * list, in their own order. Ties go to the better single-list rank, then the chunk id, so results are stable.
 */
export function fuseHybrid(vector: Hit[], keyword: Hit[], options: { fusion?: Fusion; limit: number }): Hit[] {
  const fusion = options.fusion ?? DEFAULT_FUSION;
  if (fusion.method === 'rrf') return reciprocalRankFusion([vector, keyword], { k: fusion.k, limit: options.limit });
  const weight = fusion.weight ?? 0.5;
  const vectorScore = fusion.method === 'weighted-rrf' ? reciprocalRank(fusion.k ?? 60) : normalised(vector);
  const keywordScore = fusion.method === 'weighted-rrf' ? reciprocalRank(fusion.k ?? 60) : normalised(keyword);
  return fuseWeightedLists(
    [
      { hits: vector, weight, score: vectorScore },
      { hits: keyword, weight: 1 - weight, score: keywordScore },
    ],
    options.limit,
  );
}

/** Min-max normalisation of one list's scores within this query. */
function normalised(list: Hit[]): (hit: Hit) => number {
  const scores = list.map((hit) => hit.score);
  const low = Math.min(...scores);
  const range = Math.max(...scores) - low;
  return (hit) => (range > 0 ? (hit.score - low) / range : 1);
}
