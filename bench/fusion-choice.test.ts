import { describe, expect, it } from 'vitest';
import type { QueryKnobs } from '../src/retrieve/tuning/grid.ts';
import { chooseFusion, type DatasetScores, leaveOneOut, margin, methods, scoreMethods } from './fusion-choice.ts';

const hit = (docId: string, score: number) => ({
  chunkId: docId,
  docId,
  source: docId,
  title: docId,
  headingPath: [],
  page: null,
  text: docId,
  labels: [],
  tags: [],
  score,
});

/** A dataset with given mean nDCG@10 per method label (one question each; per-question values unused here). */
function dataset(name: string, ndcgs: Record<string, number>): DatasetScores {
  const knobs = (label: string): QueryKnobs =>
    label === 'vector' || label === 'keyword'
      ? { mode: label }
      : { mode: 'hybrid', fusion: { method: label.includes('convex') ? 'convex' : 'rrf' } };
  return {
    dataset: name,
    scores: Object.entries(ndcgs).map(([label, ndcg]) => ({
      label,
      knobs: knobs(label),
      ndcg,
      perQuestion: [ndcg],
      recall5: 0,
    })),
  };
}

describe('fusion choice', () => {
  const data = [
    // "rrf" wins on average but loses 0.05 to vector on a; "convex" never loses more than 0.01
    dataset('a', { vector: 0.9, keyword: 0.6, 'hybrid rrf': 0.85, 'hybrid convex': 0.89 }),
    dataset('b', { vector: 0.7, keyword: 0.6, 'hybrid rrf': 0.95, 'hybrid convex': 0.8 }),
    dataset('c', { vector: 0.5, keyword: 0.8, 'hybrid rrf': 0.9, 'hybrid convex': 0.85 }),
  ];

  it('picks the hybrid method with the best worst margin, not the best mean', () => {
    expect(margin(data[0]!.scores, 'hybrid rrf')).toBeCloseTo(-0.05);
    expect(chooseFusion(data)).toMatchObject({ label: 'hybrid convex', worstMargin: expect.closeTo(-0.01) });
  });

  it('leaves the scored dataset out of its own choice', () => {
    // without a, rrf never loses and has the higher worst margin (b: +0.25, c: +0.10)
    expect(leaveOneOut(data)).toEqual([
      { dataset: 'a', label: 'hybrid rrf' },
      { dataset: 'b', label: 'hybrid convex' },
      { dataset: 'c', label: 'hybrid convex' },
    ]);
  });

  it('scores every method from the fetched lists: a vector-heavy fusion follows the vector order', () => {
    const lists = [{ vector: [hit('gold', 0.9), hit('x', 0.8)], keyword: [hit('x', 5), hit('gold', 1)] }];
    const scores = scoreMethods([{ goldDocIds: ['gold'] }], lists);
    expect(scores).toHaveLength(methods().length);
    const at = (label: string) => scores.find((s) => s.label === label)!;
    expect(at('vector').ndcg).toBe(1);
    expect(at('keyword').ndcg).toBeCloseTo(1 / Math.log2(3));
    // gold is first in vector and second in keyword: a vector-heavy fusion ranks it first, a keyword-heavy one not
    expect(at('hybrid convex w=0.90').ndcg).toBe(1);
    expect(at('hybrid convex w=0.10').ndcg).toBeCloseTo(1 / Math.log2(3));
  });
});
