/**
 * Retrieval metrics against gold document ids. The ranking is the retrieved hits in order, one entry per
 * document (its first hit). Hits with equal scores are a tie: the metrics take the expectation over every
 * order of the tied group (McSherry & Najork 2008), so a tie neither helps nor hurts a relevant document.
 */
export interface RankedDocument {
  docId: string;
  score: number;
}

interface TieGroup {
  start: number;
  size: number;
  relevant: number;
}

export function documentRanking(hits: RankedDocument[]): RankedDocument[] {
  const seen = new Set<string>();
  return hits.filter((hit) => !seen.has(hit.docId) && seen.add(hit.docId));
}

function tieGroups(ranking: RankedDocument[], gold: Set<string>): TieGroup[] {
  const groups: TieGroup[] = [];
  ranking.forEach((hit, position) => {
    const last = groups.at(-1);
    const relevant = gold.has(hit.docId) ? 1 : 0;
    if (last && ranking[position - 1]!.score === hit.score) {
      last.size += 1;
      last.relevant += relevant;
    } else {
      groups.push({ start: position, size: 1, relevant });
    }
  });
  return groups;
}

/** Expected share of the gold documents found in the first k ranks. */
export function recallAtK(hits: RankedDocument[], goldDocIds: string[], k: number): number | null {
  const gold = new Set(goldDocIds);
  if (gold.size === 0) return null;
  let found = 0;
  for (const group of tieGroups(documentRanking(hits), gold)) {
    const inside = Math.max(0, Math.min(group.start + group.size, k) - group.start);
    found += (group.relevant * inside) / group.size;
  }
  return found / gold.size;
}

/** Expected reciprocal rank of the first gold document (0 when none is retrieved). */
export function reciprocalRank(hits: RankedDocument[], goldDocIds: string[]): number | null {
  const gold = new Set(goldDocIds);
  if (gold.size === 0) return null;
  const group = tieGroups(documentRanking(hits), gold).find((g) => g.relevant > 0);
  if (!group) return 0;
  const { start, size: n, relevant: r } = group;
  let expected = 0;
  let noneBefore = 1;
  for (let i = 0; i <= n - r; i++) {
    expected += (noneBefore * r) / (n - i) / (start + i + 1);
    noneBefore *= (n - r - i) / (n - i);
  }
  return expected;
}

const discount = (position: number) => 1 / Math.log2(position + 2);

/** Binary-relevance nDCG over the first `cutoff` ranks (default 10). */
export function ndcg(hits: RankedDocument[], goldDocIds: string[], cutoff = 10): number | null {
  const gold = new Set(goldDocIds);
  if (gold.size === 0) return null;
  let dcg = 0;
  for (const group of tieGroups(documentRanking(hits), gold)) {
    let discounts = 0;
    for (let p = group.start; p < Math.min(group.start + group.size, cutoff); p++) discounts += discount(p);
    dcg += (group.relevant / group.size) * discounts;
  }
  let ideal = 0;
  for (let p = 0; p < Math.min(gold.size, cutoff); p++) ideal += discount(p);
  return dcg / ideal;
}
