import { describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import { compareScores, embedChunks, scoreRetrieval } from './evaluate.ts';

describe('held-out scores', () => {
  it('scores exact vector search per question and compares two embedders with a paired bootstrap', async () => {
    const embedder = hashingEmbedder();
    const chunks = await embedChunks(embedder, [
      { chunkId: 'a#0', docId: 'a', text: 'The Quell lighthouse was built by Mara Quell.' },
      { chunkId: 'b#0', docId: 'b', text: 'Barley soup with smoked eel is served on feast days.' },
      { chunkId: 'c#0', docId: 'c', text: 'The copper harbour ships ore every spring.' },
    ]);
    const questions = [
      { question: 'Who built the Quell lighthouse?', goldDocIds: ['a'] },
      { question: 'What soup is served on feast days?', goldDocIds: ['b'] },
      { question: 'What soup is served on feast days?', goldDocIds: ['c'] },
    ];
    const scores = await scoreRetrieval(embedder, chunks, questions);
    expect(scores.ndcg.slice(0, 2)).toEqual([1, 1]);
    // the third's gold document ranks below the soup: nDCG at rank 2 or 3, still within recall@10
    expect(scores.ndcg[2]).toBeLessThan(0.7);
    expect(scores.recall).toEqual([1, 1, 1]);
    const worse = { ndcg: [0, 0, 0], recall: [0, 0, 0] };
    const result = compareScores(worse, scores);
    expect(result.questions).toBe(3);
    expect(result.before).toEqual({ ndcg10: 0, recall10: 0 });
    expect(result.after.recall10).toBe(1);
    expect(result.test!.difference).toBeCloseTo(result.after.ndcg10, 10);
    expect(result.test!.p).toBeLessThan(0.05);
    expect(compareScores(scores, scores).test!.p).toBe(1);
  });
});
