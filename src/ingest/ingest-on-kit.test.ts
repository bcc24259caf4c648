import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../embed/embedder.ts';
import { retrieve } from '../retrieve/retrieve.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { MemoryStore } from '../testing/memory-store.ts';
import { ingest } from './ingest.ts';

// ingest → store → search on the test kit: real walking, parsing, chunking, caching and store writes;
// the hashing embedder stands in for the model. The real-model version is ingest.model.test.ts.
const home = mkdtempSync(join(tmpdir(), 'attune-ingest-kit-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const embedder = hashingEmbedder();
const chunking = { maxTokens: 40, overlapTokens: 8 };

function corpus(name: string, files: Record<string, string>): string {
  const dir = join(home, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const FILES = {
  'history/lighthouse.md':
    '# Lighthouse\n\nThe Quell lighthouse was built in 1871 by the engineer Mara Quell.\n\n## Keepers\n\nSeven keepers have tended the lamp since then.',
  'food/soup.txt': 'A recipe for barley soup with thyme and smoked leeks.',
  'trade.html':
    '<html><head><title>Trade</title></head><body><p>Copper prices rose in the harbour town.</p></body></html>',
  'notes.bin': 'not a supported format',
};

describe('ingest on the test kit', () => {
  it('ingests a folder, then search finds each document by its content', async () => {
    const dir = corpus('basic', FILES);
    const store = new MemoryStore({ collection: 'basic', dimension: embedder.dimension });
    const result = await ingest({
      paths: [dir],
      store,
      embedder,
      chunking,
      cacheDir: join(home, 'cache-basic'),
      labels: ['staff'],
      tags: ['v1'],
    });
    expect(result).toMatchObject({ added: 3, updated: 0, removed: 0, unchanged: 0, failed: [] });
    expect(result.skipped).toEqual([join(dir, 'notes.bin')]);
    expect((await store.documents()).map((d) => d.docId)).toEqual([
      'food/soup.txt',
      'history/lighthouse.md',
      'trade.html',
    ]);
    const search = async (query: string) =>
      (await retrieve(store, embedder, query, { k: 1, mode: 'hybrid', filter: { labels: ['staff'] } })).hits[0];
    expect(await search('Who built the lighthouse?')).toMatchObject({
      docId: 'history/lighthouse.md',
      title: 'Lighthouse',
      headingPath: ['Lighthouse'],
      labels: ['staff'],
      tags: ['v1'],
    });
    expect(await search('How many keepers tended the lamp?')).toMatchObject({ headingPath: ['Lighthouse', 'Keepers'] });
    expect((await search('copper harbour prices'))!.docId).toBe('trade.html');
    expect((await search('barley soup'))!.docId).toBe('food/soup.txt');
    // the labels given at ingest hide the chunks from a caller without them
    expect(
      (await retrieve(store, embedder, 'lighthouse', { k: 5, mode: 'hybrid', filter: { labels: [] } })).hits,
    ).toEqual([]);
  });

  it('with contextHeaders embeds and keyword-indexes each chunk under its title and headings, and stores the text alone', async () => {
    const dir = corpus('headers', {
      'lighthouse.md': FILES['history/lighthouse.md'],
      'soup.txt': FILES['food/soup.txt'],
    });
    const stores = new Map<boolean, MemoryStore>();
    const vectors = async (contextHeaders: boolean) => {
      const store = new MemoryStore({ collection: `headers-${contextHeaders}`, dimension: embedder.dimension });
      await ingest({
        paths: [dir],
        store,
        embedder,
        chunking: { ...chunking, contextHeaders },
        cacheDir: join(home, `cache-headers-${contextHeaders}`),
      });
      stores.set(contextHeaders, store);
      const vectors = new Map<string, Float32Array>();
      for await (const page of store.exportChunks()) for (const r of page) vectors.set(r.text, r.vector);
      return vectors;
    };
    const [plain, headed] = [await vectors(false), await vectors(true)];
    const keepers = 'Seven keepers have tended the lamp since then.';
    const [bare, withHeader] = await embedder.embed([keepers, `Lighthouse > Keepers\n\n${keepers}`]);
    expect([...plain.keys()].sort()).toEqual([...headed.keys()].sort());
    expect(plain.get(keepers)).toEqual(bare);
    expect(headed.get(keepers)).toEqual(withHeader);
    expect(headed.get(keepers)).not.toEqual(bare);
    // a plain-text file has no title or headings (its file name is not one): the same vector either way
    expect(headed.get(FILES['food/soup.txt'])).toEqual(plain.get(FILES['food/soup.txt']));
    // the keepers chunk says "lighthouse" only in its header
    const byKeyword = async (contextHeaders: boolean) =>
      (await stores.get(contextHeaders)!.search({ mode: 'keyword', text: 'lighthouse', k: 5 }))
        .map((h) => h.text)
        .sort();
    expect(await byKeyword(false)).toEqual(['The Quell lighthouse was built in 1871 by the engineer Mara Quell.']);
    expect(await byKeyword(true)).toEqual([
      keepers,
      'The Quell lighthouse was built in 1871 by the engineer Mara Quell.',
    ]);
  });

  it('is incremental: unchanged files are skipped, changed ones replaced, removed ones pruned', async () => {
    const dir = corpus('incremental', FILES);
    const store = new MemoryStore({ collection: 'incremental', dimension: embedder.dimension });
    const counting = countingEmbedder(embedder);
    const run = () =>
      ingest({
        paths: [dir],
        store,
        embedder: counting,
        chunking,
        prune: true,
        cacheDir: join(home, 'cache-incremental'),
      });
    await run();
    const firstCalls = counting.texts;
    expect(await run()).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
    expect(counting.texts).toBe(firstCalls);
    writeFileSync(join(dir, 'food/soup.txt'), 'A recipe for lentil stew with cumin.');
    rmSync(join(dir, 'trade.html'));
    expect(await run()).toMatchObject({ added: 0, updated: 1, removed: 1, unchanged: 1 });
    expect(counting.texts).toBe(firstCalls + 1);
    expect((await store.documents()).map((d) => d.docId)).toEqual(['food/soup.txt', 'history/lighthouse.md']);
    const [hit] = (await retrieve(store, embedder, 'barley', { k: 3, mode: 'keyword' })).hits;
    expect(hit).toBeUndefined();
  });

  it('re-chunks documents chunked under other settings (chunk size, headers), and treats unrecorded ones as headerless', async () => {
    const dir = corpus('rechunk', {
      'history/lighthouse.md': FILES['history/lighthouse.md'],
      'soup.txt': FILES['food/soup.txt'],
    });
    const store = new MemoryStore({ collection: 'rechunk', dimension: embedder.dimension });
    const run = (settings: { maxTokens: number; overlapTokens: number; contextHeaders?: boolean }) =>
      ingest({ paths: [dir], store, embedder, chunking: settings, cacheDir: join(home, 'cache-rechunk') });
    const keys = async () => (await store.documents()).map((d) => d.chunking);
    expect(await run(chunking)).toMatchObject({ added: 2 });
    expect(await keys()).toEqual(['40/8', '40/8']);
    expect(await run(chunking)).toMatchObject({ unchanged: 2, updated: 0 });
    expect(await run({ ...chunking, contextHeaders: true })).toMatchObject({ updated: 2, unchanged: 0 });
    expect(await keys()).toEqual(['40/8+headers', '40/8+headers']);
    expect(await run({ ...chunking, contextHeaders: true })).toMatchObject({ unchanged: 2 });
    expect(await run({ maxTokens: 20, overlapTokens: 4 })).toMatchObject({ updated: 2 });
    expect(await keys()).toEqual(['20/4', '20/4']);
    // chunks written before the key was recorded: kept without headers, re-chunked with them
    const legacy = [];
    for await (const page of store.exportChunks()) for (const { chunking: _, ...record } of page) legacy.push(record);
    await store.write({ upsert: legacy, removeDocIds: [] });
    expect(await keys()).toEqual([undefined, undefined]);
    expect(await run({ maxTokens: 20, overlapTokens: 4 })).toMatchObject({ unchanged: 2 });
    expect(await run({ maxTokens: 20, overlapTokens: 4, contextHeaders: true })).toMatchObject({ updated: 2 });
  });

  it('leaves the collection as it was when embedding fails midway, and the next run reuses the cached batch', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`d${i}.md`, `Document ${i} talks about topic number ${i} in depth.`]),
    );
    const dir = corpus('atomic', files);
    const store = new MemoryStore({ collection: 'atomic', dimension: embedder.dimension });
    const cacheDir = join(home, 'cache-atomic');
    // failure injection: the embedder fails on its second batch (ingest embeds 32 texts per batch)
    const failing = countingEmbedder(embedder, 1);
    await expect(ingest({ paths: [dir], store, embedder: failing, chunking, cacheDir })).rejects.toThrow(
      'embedder went away',
    );
    expect(await store.documents()).toEqual([]);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.keys'))).toHaveLength(1);
    const resumed = countingEmbedder(embedder);
    expect(await ingest({ paths: [dir], store, embedder: resumed, chunking, cacheDir })).toMatchObject({
      added: 40,
      failed: [],
    });
    expect(resumed.texts).toBe(8);
    expect(await store.documents()).toHaveLength(40);
  });
});

/** Counts the texts embedded; with `failAfterBatches`, throws on the batch after that many. */
function countingEmbedder(inner: Embedder, failAfterBatches = Number.POSITIVE_INFINITY): Embedder & { texts: number } {
  let batches = 0;
  const wrapper = {
    ...inner,
    texts: 0,
    async embed(texts: string[], options?: { signal?: AbortSignal }) {
      if (batches++ >= failAfterBatches) throw new Error('embedder went away');
      wrapper.texts += texts.length;
      return inner.embed(texts, options);
    },
  };
  return wrapper;
}
