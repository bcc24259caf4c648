import { beforeAll, describe, expect, it } from 'vitest';
import type { Hit } from '../types.ts';
import type { Reranker } from './reranker.ts';

const hit = (id: string, text: string, score: number): Hit => ({
  chunkId: id,
  docId: `${id}.md`,
  source: `corpus/${id}.md`,
  title: id,
  headingPath: ['Section'],
  page: null,
  text,
  labels: ['staff'],
  tags: ['t'],
  score,
});

const QUERY = 'When was the Quell lighthouse built?';
/** Retrieval order puts the passage that answers third. */
const CANDIDATES: Hit[] = [
  hit('soup', 'A recipe for barley soup with thyme.', 0.9),
  hit('harbour', 'Copper prices rose in the harbour town.', 0.8),
  hit('answer', 'The Quell lighthouse was built in 1871 by Mara Quell.', 0.7),
  hit('keeper', 'The lighthouse keeper earns 41,000 crowns.', 0.6),
];

/**
 * The contract every Reranker passes (STYLE.md §12): it returns at most k of the hits it was given
 * (no new ones, no duplicates, their fields intact), best first, puts a passage that answers the
 * query above unrelated ones, leaves its input alone, and stops when aborted.
 */
export function describeRerankerContract(
  name: string,
  make: () => Promise<Reranker>,
  options: { judgesRelevance?: boolean } = {},
): void {
  describe(`Reranker contract: ${name}`, () => {
    let reranker: Reranker;
    beforeAll(async () => {
      reranker = await make();
    });

    it('has an id and returns nothing for no hits', async () => {
      expect(reranker.id).toMatch(/\S/);
      expect(await reranker.rerank(QUERY, [], { k: 3 })).toEqual([]);
    });

    it('returns at most k of the given hits, each once, fields intact, scores best first', async () => {
      const ranked = await reranker.rerank(QUERY, CANDIDATES, { k: 3 });
      expect(ranked).toHaveLength(3);
      expect(new Set(ranked.map((h) => h.chunkId)).size).toBe(3);
      for (const result of ranked) {
        const original = CANDIDATES.find((c) => c.chunkId === result.chunkId);
        expect(original, result.chunkId).toBeDefined();
        expect({ ...result, score: 0 }).toEqual({ ...original, score: 0 });
        expect(Number.isFinite(result.score)).toBe(true);
      }
      const scores = ranked.map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(await reranker.rerank(QUERY, CANDIDATES, { k: 10 })).toHaveLength(CANDIDATES.length);
    });

    it.skipIf(options.judgesRelevance === false)('puts the passage that answers the query first', async () => {
      const ranked = await reranker.rerank(QUERY, CANDIDATES, { k: 2 });
      expect(ranked[0]!.chunkId).toBe('answer');
      expect(ranked.map((h) => h.chunkId)).not.toContain('soup');
    });

    it('leaves its input unchanged', async () => {
      const input = CANDIDATES.map((c) => ({ ...c }));
      await reranker.rerank(QUERY, input, { k: 2 });
      expect(input).toEqual(CANDIDATES);
    });

    it('stops when aborted', async () => {
      await expect(reranker.rerank(QUERY, CANDIDATES, { k: 2, signal: AbortSignal.abort() })).rejects.toThrow();
    });
  });
}
