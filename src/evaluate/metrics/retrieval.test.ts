import { describe, expect, it } from 'vitest';
import { ndcg, reciprocalRank, recallAtK } from './retrieval.ts';

const ranked = (...ids: [string, number][]) => ids.map(([docId, score]) => ({ docId, score }));

describe('retrieval metrics', () => {
  it('recall@k, MRR and nDCG on a plain ranking', () => {
    const hits = ranked(['a', 0.9], ['b', 0.8], ['c', 0.7], ['d', 0.6]);
    expect(recallAtK(hits, ['b', 'd'], 2)).toBe(0.5);
    expect(recallAtK(hits, ['b', 'd'], 4)).toBe(1);
    expect(reciprocalRank(hits, ['c'])).toBeCloseTo(1 / 3, 10);
    // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3)
    expect(ndcg(hits, ['b', 'd'])).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3)), 10);
  });

  it('counts a document once (its first chunk)', () => {
    const hits = ranked(['a', 0.9], ['a', 0.85], ['b', 0.8]);
    expect(reciprocalRank(hits, ['b'])).toBe(0.5);
    expect(recallAtK(hits, ['b'], 2)).toBe(1);
  });

  it('a gold document that is not retrieved scores 0; no gold → null', () => {
    const hits = ranked(['a', 0.9]);
    expect(recallAtK(hits, ['z'], 10)).toBe(0);
    expect(reciprocalRank(hits, ['z'])).toBe(0);
    expect(ndcg(hits, ['z'])).toBe(0);
    expect(reciprocalRank(hits, [])).toBeNull();
    expect(ndcg([], ['z'])).toBe(0);
  });

  it('ties take the expectation over the tied orders', () => {
    // a and b tied at rank 1–2, b is gold: expected RR = (1 + 1/2)/2
    const hits = ranked(['a', 0.5], ['b', 0.5], ['c', 0.1]);
    expect(reciprocalRank(hits, ['b'])).toBeCloseTo(0.75, 10);
    // recall@1 across the tie: gold is first half the time
    expect(recallAtK(hits, ['b'], 1)).toBeCloseTo(0.5, 10);
    // nDCG: (1/2)(1 + 1/log2 3) / 1
    expect(ndcg(hits, ['b'])).toBeCloseTo(0.5 * (1 + 1 / Math.log2(3)), 10);
    // three tied, two gold: P(first gold at 1) = 2/3, at 2 = 1/3 → 2/3 + 1/6
    expect(reciprocalRank(ranked(['x', 1], ['g1', 1], ['g2', 1]), ['g1', 'g2'])).toBeCloseTo(2 / 3 + 1 / 6, 10);
  });

  it('a tie of only gold or only non-gold documents changes nothing', () => {
    expect(reciprocalRank(ranked(['g', 1], ['h', 1]), ['g', 'h'])).toBe(1);
    expect(ndcg(ranked(['g', 1], ['h', 1]), ['g', 'h'])).toBeCloseTo(1, 10);
  });
});
