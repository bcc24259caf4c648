import { describe, expect, it } from 'vitest';
import type { Hit } from '../types.ts';
import { reciprocalRankFusion } from './rrf.ts';

const hit = (id: string): Hit => ({
  chunkId: id,
  docId: id,
  source: id,
  title: '',
  headingPath: [],
  page: null,
  text: id,
  labels: [],
  tags: [],
  score: 0,
});

describe('reciprocalRankFusion', () => {
  it('ranks a chunk found by both lists above chunks found by one', () => {
    const fused = reciprocalRankFusion(
      [
        [hit('a'), hit('b')],
        [hit('c'), hit('b')],
      ],
      { limit: 3 },
    );
    expect(fused.map((h) => h.chunkId)).toEqual(['b', 'a', 'c']);
    expect(fused[0]!.score).toBeCloseTo(2 / 62, 10);
  });
  it('breaks ties by best single-list rank, then id, and honours the limit', () => {
    const fused = reciprocalRankFusion([[hit('x'), hit('y')], [hit('z')]], { limit: 2 });
    expect(fused.map((h) => h.chunkId)).toEqual(['x', 'z']);
  });
  it('fuses nothing into nothing', () => {
    expect(reciprocalRankFusion([[], []], { limit: 5 })).toEqual([]);
  });
});
