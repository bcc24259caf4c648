import { describe, expect, it } from 'vitest';
import type { Hit } from '../types.ts';
import { describeFusion, fuseHybrid, type Fusion } from './fusion.ts';
import { reciprocalRankFusion } from './rrf.ts';

const hit = (id: string, score: number): Hit => ({
  chunkId: id,
  docId: id,
  source: id,
  title: '',
  headingPath: [],
  page: null,
  text: id,
  labels: [],
  tags: [],
  score,
});

// cosine scores (vector) and BM25 scores (keyword), best first; b and c are in both lists
const vector = [hit('a', 0.9), hit('b', 0.8), hit('c', 0.5), hit('d', 0.4)];
const keyword = [hit('e', 12), hit('c', 9), hit('b', 3), hit('f', 1)];
const ids = (hits: Hit[]) => hits.map((h) => h.chunkId);

describe('fuseHybrid', () => {
  it('defaults to convex fusion with equal weights; plain RRF (k = 60) when asked for', () => {
    const convex = fuseHybrid(vector, keyword, { fusion: { method: 'convex', weight: 0.5 }, limit: 6 });
    expect(fuseHybrid(vector, keyword, { limit: 6 })).toEqual(convex);
    expect(fuseHybrid(vector, keyword, { fusion: { method: 'rrf' }, limit: 6 })).toEqual(
      reciprocalRankFusion([vector, keyword], { limit: 6 }),
    );
    // the two differ here: RRF ranks c (2nd and 3rd) over a (1st in one list only), convex the other way
    expect(ids(convex).indexOf('a')).toBeLessThan(ids(convex).indexOf('c'));
    const rrf = ids(reciprocalRankFusion([vector, keyword], { limit: 6 }));
    expect(rrf.indexOf('c')).toBeLessThan(rrf.indexOf('a'));
  });
  for (const method of ['weighted-rrf', 'convex'] as const) {
    it(`${method}: weight 1 gives the vector order, weight 0 the keyword order`, () => {
      expect(ids(fuseHybrid(vector, keyword, { fusion: { method, weight: 1 }, limit: 10 }))).toEqual(ids(vector));
      expect(ids(fuseHybrid(vector, keyword, { fusion: { method, weight: 0 }, limit: 10 }))).toEqual(ids(keyword));
    });
    it(`${method}: a heavier vector weight moves vector-only hits up`, () => {
      const rank = (fusion: Fusion) => ids(fuseHybrid(vector, keyword, { fusion, limit: 10 })).indexOf('a');
      expect(rank({ method, weight: 0.8 })).toBeLessThan(rank({ method, weight: 0.2 }));
    });
  }
  it('convex: min-max normalises each list and scores a missing chunk 0 in that list', () => {
    const fused = fuseHybrid(vector, keyword, { fusion: { method: 'convex', weight: 0.5 }, limit: 10 });
    const score = Object.fromEntries(fused.map((h) => [h.chunkId, h.score]));
    // a: vector best (1), not in keyword (0); e: keyword best (1), not in vector (0)
    expect(score.a).toBeCloseTo(0.5, 10);
    expect(score.e).toBeCloseTo(0.5, 10);
    // c: vector (0.5 − 0.4) / 0.5 = 0.2, keyword (9 − 1) / 11
    expect(score.c).toBeCloseTo(0.5 * 0.2 + 0.5 * (8 / 11), 10);
    // d and f are their lists' worst: 0 in both
    expect(score.d).toBe(0);
    expect(score.f).toBe(0);
  });
  it('breaks ties by the better single-list rank, then chunk id, whatever the input order', () => {
    // a and e tie at 0.5 (each best in one list): both rank 0, so the id decides
    const fused = ids(fuseHybrid(vector, keyword, { fusion: { method: 'convex', weight: 0.5 }, limit: 10 }));
    expect(fused.indexOf('a')).toBeLessThan(fused.indexOf('e'));
    const swapped = ids(fuseHybrid(keyword, vector, { fusion: { method: 'convex', weight: 0.5 }, limit: 10 }));
    expect(swapped.slice(0, 2)).toEqual(fused.slice(0, 2));
  });
  it('gives every hit of an all-equal list 1, and keeps the vector hit (its vectorScore) for chunks in both lists', () => {
    const flat = [
      { ...hit('x', 0.7), vectorScore: 0.7 },
      { ...hit('y', 0.7), vectorScore: 0.7 },
    ];
    const fused = fuseHybrid(flat, [hit('y', 2)], { fusion: { method: 'convex', weight: 0.5 }, limit: 5 });
    expect(ids(fused)).toEqual(['y', 'x']);
    expect(fused[0]!.score).toBeCloseTo(1, 10);
    expect(fused[0]!.vectorScore).toBe(0.7);
  });
  it('honours the limit and the RRF constant', () => {
    expect(fuseHybrid(vector, keyword, { fusion: { method: 'weighted-rrf', weight: 0.5 }, limit: 2 })).toHaveLength(2);
    const k1 = fuseHybrid(vector, [], { fusion: { method: 'weighted-rrf', weight: 0.5, k: 1 }, limit: 1 });
    expect(k1[0]!.score).toBeCloseTo(0.5 / 2, 10);
  });
  it('labels fusions for reports', () => {
    expect(describeFusion(undefined)).toBe('convex w=0.50');
    expect(describeFusion({ method: 'rrf' })).toBe('rrf');
    expect(describeFusion({ method: 'convex', weight: 0.3 })).toBe('convex w=0.30');
  });
});
