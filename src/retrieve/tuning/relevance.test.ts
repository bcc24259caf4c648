import { describe, expect, it } from 'vitest';
import type { Hit } from '../../types.ts';
import { chunkingGrid, describeKnobs, queryGrid } from './grid.ts';
import { ranked } from './measure.ts';
import { retrievalRecall, retrievalScore } from './relevance.ts';
import { chooseK } from './tune.ts';

const hit = (id: string, text: string, score: number): Hit => ({
  chunkId: id,
  docId: id.split('#')[0]!,
  source: id,
  title: '',
  headingPath: [],
  page: null,
  text,
  labels: [],
  tags: [],
  score,
});
const hits = [hit('a#0', 'the tower is red', 3), hit('b#0', 'The bridge was built in 1901.', 2), hit('b#1', 'x', 1)];

describe('retrieval relevance', () => {
  it('scores gold documents by nDCG, and answer-only questions by the first chunk that contains an answer', () => {
    expect(retrievalScore(hits, { id: '1', question: 'q', answers: [], goldDocIds: ['a'] })).toBe(1);
    expect(retrievalScore(hits, { id: '1', question: 'q', answers: [], goldDocIds: ['b'] })).toBeCloseTo(
      1 / Math.log2(3),
    );
    expect(retrievalScore(hits, { id: '2', question: 'q', answers: ['built in 1901'] })).toBeCloseTo(1 / Math.log2(3));
    expect(retrievalScore(hits, { id: '3', question: 'q', answers: ['1902'] })).toBe(0);
    expect(retrievalScore(hits, { id: '4', question: 'q', answers: [] })).toBeNull();
    expect(retrievalRecall(hits, { id: '2', question: 'q', answers: ['1901'] }, 1)).toBe(0);
    expect(retrievalRecall(hits, { id: '2', question: 'q', answers: ['1901'] }, 2)).toBe(1);
  });
  it('ranks vector and keyword knobs by their own list, and hybrid by the fusion', () => {
    const lists = { vector: [hits[0]!, hits[1]!], keyword: [hits[2]!, hits[1]!] };
    expect(ranked(lists, { mode: 'vector' }, 1).map((h) => h.chunkId)).toEqual(['a#0']);
    expect(ranked(lists, { mode: 'keyword' }, 2).map((h) => h.chunkId)).toEqual(['b#1', 'b#0']);
    expect(ranked(lists, { mode: 'hybrid', fusion: { method: 'rrf' } }, 1).map((h) => h.chunkId)).toEqual(['b#0']);
    // the default, convex w=0.5, fuses the scores: a#0 (best vector score) and b#0 (best keyword score, 2 > 1) tie at
    // 0.5 and a#0's better single-list rank breaks the tie; b#1 has the worst keyword score and no vector score
    expect(ranked(lists, { mode: 'hybrid' }, 3).map((h) => h.chunkId)).toEqual(['a#0', 'b#0', 'b#1']);
  });
  it('chooses the smallest k whose recall is within the tolerance of the largest', () => {
    expect(chooseK({ 3: 0.5, 5: 0.79, 8: 0.8 }, 0.02)).toBe(5);
    expect(chooseK({ 3: 0.8, 5: 0.8, 8: 0.8 }, 0.02)).toBe(3);
    expect(chooseK({ 3: 0.5, 5: 0.6, 8: 0.8 }, 0.02)).toBe(8);
  });
  it('grids chunkings from the configured one (first, as is) and fusions from today’s default', () => {
    const grid = chunkingGrid({ maxTokens: 200, overlapTokens: 32 });
    expect(grid[0]).toEqual({ maxTokens: 200, overlapTokens: 32 });
    expect(grid).toContainEqual({ maxTokens: 100, overlapTokens: 15 });
    expect(grid).toContainEqual({ maxTokens: 400, overlapTokens: 0 });
    expect(grid).toHaveLength(7);
    // contextual headers change what is embedded, not the chunk sizes: every variant keeps them
    expect(
      chunkingGrid({ maxTokens: 200, overlapTokens: 32, contextHeaders: true }).map((c) => c.contextHeaders),
    ).toEqual(Array(7).fill(true));
    expect(queryGrid()[0]).toEqual({ mode: 'hybrid' });
    // the default (convex w=0.5) is tried once, and plain RRF is still tried
    const labels = queryGrid().map(describeKnobs);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain('hybrid rrf');
    expect(labels).toHaveLength(11);
  });
});
