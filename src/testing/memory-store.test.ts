import { describe, expect, it } from 'vitest';
import { chunk, describeStoreContract } from '../store/store.contract.ts';
import { MemoryStore } from './memory-store.ts';

describeStoreContract('memory', async (collection, dimension) => new MemoryStore({ collection, dimension }));

describe('MemoryStore specifics', () => {
  it('keeps the last version of a chunk id given twice in one write, and stores copies', async () => {
    const store = new MemoryStore({ collection: 'dupes', dimension: 8 });
    const first = chunk('a.md', 0, 'first take');
    await store.write({ removeDocIds: [], upsert: [first, chunk('a.md', 0, 'second take')] });
    first.vector.fill(0);
    first.labels.push('secret');
    const [hit] = await store.getChunks(['a.md#0#h1']);
    expect(hit).toMatchObject({ text: 'second take', labels: [] });
    const [byVector] = await store.search({ mode: 'vector', vector: chunk('x', 0, '').vector, k: 1 });
    expect(byVector!.score).toBeCloseTo(1, 6);
  });

  it('ranks by BM25: a rare term outweighs a common one, and a shorter chunk wins a tie in frequency', async () => {
    const store = new MemoryStore({ collection: 'bm25', dimension: 8 });
    await store.write({
      removeDocIds: [],
      upsert: [
        chunk('a.md', 0, 'harbour harbour harbour town'),
        chunk('b.md', 1, 'the harbour and the zeppelin'),
        chunk('c.md', 2, 'harbour'),
        chunk('d.md', 3, 'harbour news from a long and winding report about many other things'),
      ],
    });
    const hits = await store.search({ mode: 'keyword', text: 'harbour zeppelin', k: 4 });
    expect(hits[0]!.docId).toBe('b.md');
    const common = await store.search({ mode: 'keyword', text: 'harbour', k: 4 });
    expect(common.at(-1)!.docId).toBe('d.md');
    expect(common.findIndex((h) => h.docId === 'c.md')).toBeLessThan(common.findIndex((h) => h.docId === 'd.md'));
  });

  it('rejects a query vector of the wrong size with a clear error', async () => {
    const store = new MemoryStore({ collection: 'dims', dimension: 8 });
    await expect(store.search({ mode: 'vector', vector: new Float32Array(3), k: 1 })).rejects.toThrow(
      /dimension 3, collection dims has 8/,
    );
    await expect(store.search({ mode: 'keyword', k: 1 })).rejects.toThrow(/needs query text/);
  });
});
