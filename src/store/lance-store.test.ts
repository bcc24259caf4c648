import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANCE_CACHE, LanceStore, lanceCache } from './lance-store.ts';
import { openStore, listCollections, deleteCollection } from './open.ts';
import { chunk, describeStoreContract } from './store.contract.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-lance-'));

describeStoreContract('lancedb', (collection, dimension) =>
  openStore({ home, collection, embedderId: 'test', dimension, create: true }),
);

// the same contract with every vector search going to LanceDB (the in-memory scan off), as collections past
// memoryScanRows are searched
describeStoreContract('lancedb without the in-memory scan', (collection, dimension) =>
  LanceStore.open({ dir: join(home, 'no-scan', collection), collection, dimension, memoryScanRows: 0 }),
);

describe('openStore (lancedb)', () => {
  it('refuses unknown collections, bad names and a different embedder', async () => {
    await expect(
      openStore({ home, collection: 'nope', embedderId: 'test', dimension: 8, create: false }),
    ).rejects.toThrow(/unknown collection "nope"/);
    await expect(
      openStore({ home, collection: '../etc', embedderId: 'test', dimension: 8, create: true }),
    ).rejects.toThrow(/invalid collection name/);
    const store = await openStore({ home, collection: 'fixed', embedderId: 'test', dimension: 8, create: true });
    await store.dispose();
    await expect(
      openStore({ home, collection: 'fixed', embedderId: 'other', dimension: 8, create: false }),
    ).rejects.toThrow(/embedded with test/);
  });
  it('lists and deletes collections', async () => {
    const store = await openStore({ home, collection: 'gone', embedderId: 'test', dimension: 8, create: true });
    await store.dispose();
    expect((await listCollections(home)).map((c) => c.name)).toContain('gone');
    expect(await deleteCollection(home, 'gone')).toBe(true);
    expect((await listCollections(home)).map((c) => c.name)).not.toContain('gone');
  });
});

/** A seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LanceStore in-memory exact scan', () => {
  it('returns what LanceDB returns, filters included, and follows writes', async () => {
    const next = random(11);
    const dimension = 16;
    const vector = () => Float32Array.from({ length: dimension }, () => next() * 2 - 1);
    const pick = <T>(values: T[]) => values.filter(() => next() < 0.4);
    const rows = Array.from({ length: 240 }, (_, i) =>
      chunk(`d${i % 40}.md`, i, `row ${i}`, {
        vector: vector(),
        labels: pick(['hr', 'legal']),
        tags: pick(['faq', 'policy', 'draft']),
      }),
    );
    const dir = join(home, 'scan');
    const scanned = await LanceStore.open({ dir, collection: 'scan', dimension });
    const direct = await LanceStore.open({ dir, collection: 'scan', dimension, memoryScanRows: 0 });
    try {
      await scanned.write({ removeDocIds: [], upsert: rows });
      const filters = [
        undefined,
        { labels: [] },
        { labels: ['hr'] },
        { tags: ['faq', 'draft'] },
        { docIds: ['d1.md', 'd7.md', 'd9.md'] },
        { sources: ['corpus/d3.md'], labels: ['legal'] },
        { docIds: [] },
      ];
      const compare = async () => {
        const reopened = await LanceStore.open({ dir, collection: 'scan', dimension, memoryScanRows: 0 });
        for (const filter of filters) {
          for (let q = 0; q < 5; q++) {
            const query = { mode: 'vector' as const, vector: vector(), k: 12, filter };
            const fromMemory = await scanned.search(query);
            const fromLance = await reopened.search(query);
            expect(fromMemory.map((h) => h.chunkId)).toEqual(fromLance.map((h) => h.chunkId));
            fromMemory.forEach((hit, i) => {
              expect(hit.score).toBeCloseTo(fromLance[i]!.score, 5);
              expect({ ...hit, score: 0, vectorScore: 0 }).toEqual({ ...fromLance[i]!, score: 0, vectorScore: 0 });
            });
          }
        }
        await reopened.dispose();
      };
      await compare();
      // a write through the store replaces the in-memory copy: moved, removed and new rows are seen at once
      const moved = { ...rows[0]!, vector: vector(), text: 'moved' };
      await scanned.write({
        removeDocIds: ['d2.md'],
        upsert: [moved, chunk('new.md', 0, 'new', { vector: vector() })],
      });
      await compare();
      const near = await scanned.search({ mode: 'vector', vector: moved.vector, k: 1 });
      expect(near.map((h) => h.text)).toEqual(['moved']);
      expect((await scanned.search({ mode: 'vector', vector: vector(), k: 500 })).map((h) => h.docId)).not.toContain(
        'd2.md',
      );
      await direct.dispose();
    } finally {
      await scanned.dispose();
    }
  });
});

describe('LanceStore specifics', () => {
  it('opens collections with the cache bound given to openStore (config storeCacheMB), LANCE_CACHE otherwise', async () => {
    const bounded = await openStore({
      home,
      collection: 'bound8',
      embedderId: 'test',
      dimension: 8,
      create: true,
      cacheMB: 8,
    });
    const plain = await openStore({
      home,
      collection: 'bound-default',
      embedderId: 'test',
      dimension: 8,
      create: true,
    });
    try {
      expect((bounded as LanceStore).cacheBounds).toEqual(lanceCache(8));
      expect(lanceCache(8).index + lanceCache(8).metadata).toBe(8 * 2 ** 20);
      expect((plain as LanceStore).cacheBounds).toEqual(LANCE_CACHE);
    } finally {
      await bounded.dispose();
      await plain.dispose();
    }
  });

  it('keeps LanceDB caches within cacheBytes while writes add table versions', async () => {
    // the same writes and searches on a store with LanceDB's own 6 GiB / 1 GiB caches and on one bounded at 1 MiB each
    const work = async (store: LanceStore) => {
      for (let i = 0; i < 30; i++) {
        const text = `document ${i % 5} version ${i} about lighthouses and harbour ${i}`;
        await store.write({ removeDocIds: [], upsert: [chunk(`d${i % 5}.md`, 0, text, { docHash: `v${i}` })] });
        await store.search({
          mode: 'hybrid',
          text: 'lighthouses harbour',
          vector: Float32Array.from([1, 0, 0, 0, 0, 0, 0, i]),
          k: 3,
        });
      }
      return store.cachedBytes();
    };
    const open = (name: string, cacheBytes?: { index: number; metadata: number }) =>
      LanceStore.open({
        dir: join(home, 'cache', name),
        collection: name,
        dimension: 8,
        memoryScanRows: 0,
        cacheBytes,
      });
    const unbounded = await open('unbounded', { index: 6 * 2 ** 30, metadata: 2 ** 30 });
    const bounded = await open('bounded', { index: 2 ** 20, metadata: 2 ** 20 });
    try {
      const [grown, kept] = [await work(unbounded), await work(bounded)];
      expect(grown).toBeGreaterThan(2 * 2 ** 20); // the work would overflow the bound
      expect(kept).toBeLessThanOrEqual(2 * 2 ** 20);
    } finally {
      await unbounded.dispose();
      await bounded.dispose();
    }
  });
  it('keeps the last version of a chunk id given twice in one write', async () => {
    const store = await openStore({ home, collection: 'dupes', embedderId: 'test', dimension: 8, create: true });
    try {
      await store.write({
        removeDocIds: [],
        upsert: [chunk('a.md', 0, 'first take'), chunk('a.md', 0, 'second take')],
      });
      expect((await store.getChunks(['a.md#0#h1'])).map((h) => h.text)).toEqual(['second take']);
    } finally {
      await store.dispose();
    }
  });
  it('builds an ANN index past its threshold and still finds and filters', async () => {
    const dir = join(home, 'ann');
    const rows = Array.from({ length: 300 }, (_, i) =>
      chunk(`d${i % 30}.md`, i, `row ${i} ${i % 2 ? 'odd' : 'even'}`, { labels: i % 3 ? [] : ['hr'] }),
    );
    const store = await LanceStore.open({ dir, collection: 'ann', dimension: 8, annThreshold: 256 });
    try {
      await store.write({ removeDocIds: [], upsert: rows });
      const reopened = await LanceStore.open({ dir, collection: 'ann', dimension: 8 });
      const hits = await reopened.search({
        mode: 'hybrid',
        vector: rows[5]!.vector,
        text: 'odd',
        k: 10,
        filter: { labels: [] },
      });
      expect(hits).toHaveLength(10);
      expect(hits.every((h) => h.labels.length === 0)).toBe(true);
      await reopened.dispose();
    } finally {
      await store.dispose();
    }
  });
});

describe('LanceStore: collections made before keyword_text', () => {
  it('searches their BM25 index on text, and moves it to keyword_text on their next write', async () => {
    const { connect, Index } = await import('@lancedb/lancedb');
    const { Field, FixedSizeList, Float32, Int32, List, Schema, Utf8 } = await import('apache-arrow');
    const dir = join(home, 'legacy');
    // the schema and index attune wrote before keyword_text existed
    const strings = () => new List(new Field('item', new Utf8(), true));
    const oldSchema = new Schema([
      ...['chunk_id', 'doc_id', 'source', 'title'].map((name) => new Field(name, new Utf8(), false)),
      new Field('heading_path', strings(), false),
      new Field('page', new Int32(), true),
      new Field('position', new Int32(), false),
      new Field('text', new Utf8(), false),
      new Field('doc_hash', new Utf8(), false),
      new Field('labels', strings(), false),
      new Field('tags', strings(), false),
      new Field('vector', new FixedSizeList(8, new Field('item', new Float32(), true)), false),
    ]);
    const connection = await connect(dir);
    const table = await connection.createEmptyTable('chunks', oldSchema);
    const { keywordText: _, vector, ...old } = chunk('a.md', 0, 'written before keyword_text');
    await table.add([
      {
        chunk_id: old.chunkId,
        doc_id: old.docId,
        source: old.source,
        title: old.title,
        heading_path: old.headingPath,
        page: old.page,
        position: old.position,
        text: old.text,
        doc_hash: old.docHash,
        labels: old.labels,
        tags: old.tags,
        vector: Array.from(vector),
      },
    ]);
    await table.createIndex('text', { config: Index.fts() });
    table.close();
    connection.close();

    const writer = await LanceStore.open({ dir, collection: 'legacy', dimension: 8 });
    let reader: LanceStore | undefined;
    try {
      const keyword = async (store: LanceStore, text: string) =>
        (await store.search({ mode: 'keyword', text, k: 5 })).map((h) => h.docId).sort();
      expect(await keyword(writer, 'written')).toEqual(['a.md']);
      await writer.write({
        removeDocIds: [],
        upsert: [
          chunk('b.md', 1, 'written after it', { keywordText: 'Ouessant\n\nwritten after it', chunking: '200/32' }),
        ],
      });
      reader = await LanceStore.open({ dir, collection: 'legacy', dimension: 8 });
      for (const store of [writer, reader]) {
        expect(await keyword(store, 'written')).toEqual(['a.md', 'b.md']);
        expect(await keyword(store, 'Ouessant')).toEqual(['b.md']);
      }
      const check = await connect(dir);
      const indices = await (await check.openTable('chunks')).listIndices();
      check.close();
      expect(indices.filter((index) => index.indexType === 'FTS').map((index) => index.columns)).toEqual([
        ['keyword_text'],
      ]);
      const exported = [];
      for await (const page of writer.exportChunks()) exported.push(...page);
      expect(exported.map((c) => [c.docId, c.keywordText, c.chunking]).sort()).toEqual([
        ['a.md', undefined, undefined],
        ['b.md', 'Ouessant\n\nwritten after it', '200/32'],
      ]);
      expect((await reader!.documents()).map((d) => [d.docId, d.chunking])).toEqual([
        ['a.md', undefined],
        ['b.md', '200/32'],
      ]);
    } finally {
      await reader?.dispose();
      await writer.dispose();
    }
  });
});
