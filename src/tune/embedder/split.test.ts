import { describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import { mineHardNegatives } from './negatives.ts';
import type { EmbedderPair } from './pairs.ts';
import { heldOutQuestions, splitPairsByDocument } from './split.ts';

const pair = (question: string, docId: string, passage = `passage of ${docId}`): EmbedderPair => ({
  question,
  passage,
  docId,
  chunkId: `${docId}#0`,
  origin: 'test',
});

const pairs = Array.from({ length: 40 }, (_, d) => [pair(`q${d}a`, `doc-${d}`), pair(`q${d}b`, `doc-${d}`)]).flat();

describe('splitPairsByDocument', () => {
  it('keeps every document on one side, about the asked share training, the same split every time', () => {
    const split = splitPairsByDocument(pairs, 0.8);
    const train = new Set(split.train.map((p) => p.docId));
    const held = new Set(split.heldOut.map((p) => p.docId));
    expect([...train].filter((d) => held.has(d))).toEqual([]);
    expect(split.trainDocuments).toHaveLength(32);
    expect(split.heldOutDocuments).toHaveLength(8);
    expect(split.train).toHaveLength(64);
    expect(splitPairsByDocument([...pairs].reverse(), 0.8).heldOutDocuments).toEqual(split.heldOutDocuments);
    // a document's side depends on its id alone: adding documents moves none of the others
    const more = splitPairsByDocument([...pairs, pair('new', 'doc-new')], 0.8);
    const moved = split.heldOutDocuments.filter((d) => more.trainDocuments.includes(d));
    expect(moved.length).toBeLessThanOrEqual(1);
  });

  it('drops a training pair whose question is asked of a held-out document', () => {
    const { heldOutDocuments } = splitPairsByDocument(pairs, 0.8);
    const heldDoc = heldOutDocuments[0]!;
    const shared = [
      ...pairs,
      pair('Shared question?', heldDoc),
      pair('shared question? ', 'doc-0'),
      pair('x', 'doc-1'),
    ];
    const split = splitPairsByDocument(shared, 0.8);
    const trainedOnShared = split.train.some((p) => p.question.trim().toLowerCase() === 'shared question?');
    expect(trainedOnShared).toBe(false);
    expect(split.droppedAsLeaks).toBe(split.trainDocuments.includes('doc-0') ? 1 : 0);
  });

  it('groups held-out pairs by question, with every gold document', () => {
    expect(heldOutQuestions([pair('Q?', 'a'), pair('q?', 'b'), pair('R?', 'a')])).toEqual([
      { question: 'Q?', goldDocIds: ['a', 'b'] },
      { question: 'R?', goldDocIds: ['a'] },
    ]);
  });
});

describe('mineHardNegatives', () => {
  it('takes the best-ranked chunk of another document from the pool, passing over near-positives', async () => {
    const embedder = hashingEmbedder();
    const texts = {
      'keeper#0': 'The lighthouse keeper Mara Quell trimmed the lamp wick every night.',
      'lamp#0': 'The lighthouse lamp burned whale oil and later kerosene.',
      'copy#0': 'The lighthouse keeper Mara Quell trimmed the lamp wick every single night.',
      'soup#0': 'Barley soup with smoked eel is served in every tavern.',
    };
    const vectors = await embedder.embed(Object.values(texts));
    const pool = Object.entries(texts).map(([chunkId, text], i) => ({
      chunkId,
      docId: chunkId.split('#')[0]!,
      text,
      vector: vectors[i]!,
    }));
    const question = pair('Who trimmed the lighthouse lamp wick?', 'keeper', texts['keeper#0']);
    const stored = new Map(pool.map((c) => [c.chunkId, c.vector]));
    const mined = await mineHardNegatives([question], { embedder, pool, vectors: stored });
    // copy#0 is closer to the question than the positive itself: a likely unlabelled answer, skipped
    expect(mined.rows[0]).toEqual({
      anchor: question.question,
      positive: texts['keeper#0'],
      negative: texts['lamp#0'],
    });
    expect(mined.withNegative).toBe(1);
    // without other documents in the pool, no negative (the row trains on in-batch negatives only)
    const alone = await mineHardNegatives([question], { embedder, pool: pool.slice(0, 1), vectors: stored });
    expect(alone.rows[0]!.negative).toBeUndefined();
    expect(alone.withNegative).toBe(0);
  });
});
