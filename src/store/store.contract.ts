import { afterEach, describe, expect, it } from 'vitest';
import type { ChunkRecord } from '../types.ts';
import type { Store } from './store.ts';

const DIM = 8;

/** A unit vector along axis `axis`, nudged towards `near` so that similarity orders are known. */
function vec(axis: number, near?: number): Float32Array {
  const v = new Float32Array(DIM);
  v[axis % DIM] = 1;
  if (near !== undefined) v[near % DIM] = 0.3;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export function chunk(docId: string, position: number, text: string, extra: Partial<ChunkRecord> = {}): ChunkRecord {
  return {
    chunkId: `${docId}#${position}#${extra.docHash ?? 'h1'}`,
    docId,
    source: `corpus/${docId}`,
    title: docId,
    headingPath: ['Intro'],
    page: null,
    position,
    text,
    docHash: 'h1',
    labels: [],
    tags: [],
    vector: vec(position),
    ...extra,
  };
}

/**
 * The contract every Store backend passes (STYLE.md §12). `makeStore` returns a new, empty
 * collection of the given dimension each time it is called.
 */
export function describeStoreContract(
  name: string,
  makeStore: (collection: string, dimension: number) => Promise<Store>,
): void {
  describe(`Store contract: ${name}`, () => {
    const open: Store[] = [];
    let counter = 0;
    const fresh = async () => {
      const store = await makeStore(`contract${++counter}_${Date.now()}`, DIM);
      open.push(store);
      return store;
    };
    afterEach(async () => {
      while (open.length) await open.pop()!.dispose();
    });

    it('starts empty and searches an empty collection without error', async () => {
      const store = await fresh();
      expect(await store.documents()).toEqual([]);
      for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
        expect(await store.search({ mode, vector: vec(0), text: 'anything', k: 5 })).toEqual([]);
      }
    });

    it('finds chunks by vector, by keyword and by both', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('a.md', 0, 'The lighthouse keeper lit the lamp at dusk.'),
          chunk('a.md', 1, 'Copper prices rose in the harbour town.'),
          chunk('b.md', 2, 'A recipe for barley soup with thyme.'),
        ],
      });
      const byVector = await store.search({ mode: 'vector', vector: vec(1), k: 2 });
      expect(byVector[0]!.text).toContain('Copper');
      expect(byVector[0]!.score).toBeGreaterThan(byVector[1]!.score);
      const byKeyword = await store.search({ mode: 'keyword', text: 'barley soup', k: 2 });
      expect(byKeyword[0]!.docId).toBe('b.md');
      const hybrid = await store.search({ mode: 'hybrid', vector: vec(0), text: 'lighthouse lamp', k: 3 });
      expect(hybrid[0]!.text).toContain('lighthouse');
      expect(hybrid[0]).toMatchObject({ docId: 'a.md', source: 'corpus/a.md', title: 'a.md', headingPath: ['Intro'] });
      expect((await store.search({ mode: 'vector', vector: vec(0), k: 1 })).length).toBe(1);
    });

    it('fuses hybrid lists by the fusion asked for: weight 1 is the vector order, weight 0 the keyword order', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('a.md', 0, 'The lighthouse keeper lit the lamp at dusk.'),
          chunk('a.md', 1, 'Copper prices rose in the harbour town, said the lighthouse keeper.'),
          chunk('b.md', 2, 'A recipe for barley soup with lighthouse thyme.'),
          chunk('b.md', 3, 'Nothing about the topic at all.'),
        ],
      });
      const query = { vector: vec(3, 1), text: 'lighthouse keeper', k: 4 };
      const byVector = (await store.search({ ...query, mode: 'vector' })).map((h) => h.chunkId);
      const byKeyword = (await store.search({ ...query, mode: 'keyword' })).map((h) => h.chunkId);
      for (const method of ['weighted-rrf', 'convex'] as const) {
        const at = async (weight: number) =>
          (await store.search({ ...query, mode: 'hybrid', fusion: { method, weight } })).map((h) => h.chunkId);
        expect(await at(1), method).toEqual(byVector);
        expect(await at(0), method).toEqual(byKeyword);
      }
      expect(byVector[0]).not.toBe(byKeyword[0]); // the two orders differ, so the check above can fail
    });

    it('replaces a document’s chunks in one write and removes documents', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [chunk('a.md', 0, 'old text one'), chunk('a.md', 1, 'old text two'), chunk('b.md', 0, 'other doc')],
      });
      await store.write({
        removeDocIds: [],
        upsert: [chunk('a.md', 0, 'new text only', { docHash: 'h2', chunkId: 'a.md#0#h2' })],
      });
      const docs = await store.documents();
      expect(docs).toEqual([
        { docId: 'a.md', source: 'corpus/a.md', docHash: 'h2', chunks: 1, labels: [], tags: [] },
        { docId: 'b.md', source: 'corpus/b.md', docHash: 'h1', chunks: 1, labels: [], tags: [] },
      ]);
      expect(await store.search({ mode: 'keyword', text: 'old', k: 5 })).toEqual([]);
      await store.write({ removeDocIds: ['b.md'], upsert: [] });
      expect((await store.documents()).map((d) => d.docId)).toEqual(['a.md']);
    });

    it('applies source, document and tag filters inside the query', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('a.md', 0, 'alpha river', { tags: ['geo'] }),
          chunk('b.md', 1, 'alpha mountain', { tags: ['geo', 'peak'] }),
          chunk('c.md', 2, 'alpha recipe'),
        ],
      });
      const hits = (filter: object) =>
        store.search({ mode: 'keyword', text: 'alpha', k: 10, filter }).then((h) => h.map((x) => x.docId).sort());
      expect(await hits({ tags: ['peak'] })).toEqual(['b.md']);
      expect(await hits({ tags: ['geo'] })).toEqual(['a.md', 'b.md']);
      expect(await hits({ sources: ['corpus/c.md'] })).toEqual(['c.md']);
      expect(await hits({ docIds: ['a.md', 'c.md'] })).toEqual(['a.md', 'c.md']);
      // the filter is applied before the limit: k=1 still finds the only match
      const one = await store.search({ mode: 'vector', vector: vec(0), k: 1, filter: { docIds: ['c.md'] } });
      expect(one.map((h) => h.docId)).toEqual(['c.md']);
    });

    it('never returns a chunk across access labels, by any probe', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('public.md', 0, 'salary bands are public'),
          chunk('hr.md', 1, 'salary of the director is secret', { labels: ['hr'] }),
          chunk('legal.md', 2, 'salary dispute settlement', { labels: ['legal', 'exec'] }),
        ],
      });
      const ids = ['public.md#0#h1', 'hr.md#1#h1', 'legal.md#2#h1'];
      for (const [labels, visible] of [
        [[], ['public.md']],
        [['hr'], ['hr.md', 'public.md']],
        [['exec'], ['legal.md', 'public.md']],
      ] as const) {
        const filter = { labels: [...labels] };
        for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
          const found = await store.search({ mode, vector: vec(1), text: 'salary', k: 10, filter });
          expect(found.map((h) => h.docId).sort(), `${mode} with ${labels}`).toEqual([...visible]);
        }
        expect((await store.getChunks(ids, filter)).map((h) => h.docId).sort()).toEqual([...visible]);
      }
      expect(await store.getChunks(ids)).toHaveLength(3);
    });

    it('honours k in every mode and ignores empty or unknown changes', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: Array.from({ length: 12 }, (_, i) => chunk(`d${i}.md`, i, `common word number ${i}`)),
      });
      await store.write({ removeDocIds: [], upsert: [] });
      await store.write({ removeDocIds: ['never-ingested.md'], upsert: [] });
      for (const mode of ['vector', 'keyword', 'hybrid'] as const) {
        const query = { mode, vector: vec(3), text: 'common word' };
        expect(await store.search({ ...query, k: 5 }), mode).toHaveLength(5);
        expect(await store.search({ ...query, k: 0 }), mode).toEqual([]);
        const all = await store.search({ ...query, k: 50 });
        expect(all, mode).toHaveLength(12);
        expect(new Set(all.map((h) => h.chunkId)).size, mode).toBe(12);
        const scores = all.map((h) => h.score);
        expect(scores, mode).toEqual([...scores].sort((a, b) => b - a));
      }
      expect(await store.documents()).toHaveLength(12);
    });

    it('rejects a write with a wrong-sized vector as a whole: nothing changes', async () => {
      const store = await fresh();
      await store.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'original a'), chunk('b.md', 1, 'original b')] });
      const bad = { ...chunk('b.md', 2, 'bad vector'), vector: new Float32Array(DIM - 3) };
      await expect(
        store.write({
          removeDocIds: ['a.md'],
          upsert: [chunk('b.md', 1, 'replacement', { docHash: 'h2', chunkId: 'b.md#new' }), bad],
        }),
      ).rejects.toThrow();
      expect(await store.documents()).toEqual([
        { docId: 'a.md', source: 'corpus/a.md', docHash: 'h1', chunks: 1, labels: [], tags: [] },
        { docId: 'b.md', source: 'corpus/b.md', docHash: 'h1', chunks: 1, labels: [], tags: [] },
      ]);
    });

    it('replaces atomically: a concurrent reader sees the old chunks or the new ones, never a mix', async () => {
      const store = await fresh();
      const version = (v: number, n: number) =>
        Array.from({ length: n }, (_, i) =>
          chunk('a.md', i, `marker version${v} part ${i}`, { docHash: `h${v}`, chunkId: `a.md#${i}#h${v}` }),
        );
      await store.write({ removeDocIds: [], upsert: [...version(0, 6), chunk('b.md', 7, 'bystander marker')] });
      let writing = true;
      const observed = new Set<string>();
      const reader = (async () => {
        while (writing) {
          const hits = await store.search({ mode: 'keyword', text: 'marker', k: 50, filter: { docIds: ['a.md'] } });
          const versions = new Set(hits.map((h) => /version(\d)/.exec(h.text)![1]));
          expect(versions.size, hits.map((h) => h.chunkId).join(' ')).toBe(1);
          const v = [...versions][0]!;
          expect(hits).toHaveLength(Number(v) % 2 === 0 ? 6 : 4);
          observed.add(v);
        }
      })();
      for (let v = 1; v <= 6; v++)
        await store.write({ removeDocIds: ['a.md'], upsert: version(v, v % 2 === 0 ? 6 : 4) });
      writing = false;
      await reader;
      expect(observed.size).toBeGreaterThanOrEqual(1);
      expect(await store.documents()).toEqual([
        { docId: 'a.md', source: 'corpus/a.md', docHash: 'h6', chunks: 6, labels: [], tags: [] },
        { docId: 'b.md', source: 'corpus/b.md', docHash: 'h1', chunks: 1, labels: [], tags: [] },
      ]);
    });

    it('lists each document with its labels, tags and chunking key (ingest compares them to decide what changed)', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('hr.md', 0, 'salary', { labels: ['hr', 'exec'], tags: ['policy'], chunking: '200/32+headers' }),
          chunk('hr.md', 1, 'bands', { labels: ['hr', 'exec'], tags: ['policy'], chunking: '200/32+headers' }),
          chunk('open.md', 2, 'lunch'),
        ],
      });
      const documents = await store.documents();
      expect(
        documents.map(({ docId, labels, tags, chunking }) => ({ docId, labels: [...labels].sort(), tags, chunking })),
      ).toEqual([
        { docId: 'hr.md', labels: ['exec', 'hr'], tags: ['policy'], chunking: '200/32+headers' },
        { docId: 'open.md', labels: [], tags: [], chunking: undefined },
      ]);
      expect(documents[1]).not.toHaveProperty('chunking');
    });

    it('keeps unicode text and metadata intact', async () => {
      const store = await fresh();
      const text = "Zürich – 東京 – naïve café «quoted» 'apostrophe'";
      await store.write({
        removeDocIds: [],
        upsert: [chunk("it's.md", 0, text, { page: 3, headingPath: ['Ä', 'B'], labels: ["o'k"] })],
      });
      const [hit] = await store.getChunks(["it's.md#0#h1"], { labels: ["o'k"] });
      expect(hit).toMatchObject({ text, page: 3, headingPath: ['Ä', 'B'], docId: "it's.md", labels: ["o'k"] });
      expect((await store.search({ mode: 'keyword', text: 'Zürich café', k: 1 }))[0]?.text).toBe(text);
    });

    it('gives vector and hybrid hits their vector score (cosine similarity), keyword hits none', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('a.md', 0, 'The lighthouse keeper lit the lamp.'),
          chunk('a.md', 1, 'Copper prices rose.'),
          chunk('b.md', 2, 'Barley soup with lighthouse thyme.', { labels: ['hr'] }),
        ],
      });
      const query = { vector: vec(0, 2), text: 'lighthouse', k: 10, filter: { labels: ['hr'] } };
      const byVector = await store.search({ ...query, mode: 'vector' });
      const cosine = new Map(byVector.map((h) => [h.chunkId, h.vectorScore]));
      for (const hit of byVector) expect(hit.vectorScore, hit.chunkId).toBeCloseTo(hit.score, 5);
      expect(cosine.get('a.md#0#h1')).toBeCloseTo(1 / Math.hypot(1, 0.3), 4);
      const hybrid = await store.search({ ...query, mode: 'hybrid' });
      expect(hybrid).toHaveLength(3);
      for (const hit of hybrid) expect(hit.vectorScore, hit.chunkId).toBeCloseTo(cosine.get(hit.chunkId)!, 5);
      const rrf = await store.search({ ...query, mode: 'hybrid', fusion: { method: 'rrf' } });
      expect(rrf[0]!.score).toBeLessThan(0.1); // the fused rank score, not the cosine
      for (const hit of await store.search({ ...query, mode: 'keyword' })) expect(hit.vectorScore).toBeUndefined();
    });

    it('returns a document’s chunks in position order, within the filter', async () => {
      const store = await fresh();
      // positions 0, 2, 10: their chunk ids sort as 0, 10, 2, so id order would fail
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('a.md', 10, 'third part'),
          chunk('a.md', 0, 'first part'),
          chunk('a.md', 2, 'second part'),
          chunk('b.md', 1, 'other'),
          chunk('hr.md', 3, 'pay', { labels: ['hr'], tags: ['policy'] }),
        ],
      });
      const ofA = await store.chunksOf('a.md');
      expect(ofA.map((h) => h.text)).toEqual(['first part', 'second part', 'third part']);
      expect(ofA[0]).toMatchObject({
        chunkId: 'a.md#0#h1',
        docId: 'a.md',
        source: 'corpus/a.md',
        title: 'a.md',
        headingPath: ['Intro'],
        page: null,
        labels: [],
        tags: [],
      });
      expect(await store.chunksOf('missing.md')).toEqual([]);
      expect((await store.chunksOf('hr.md')).map((h) => h.text)).toEqual(['pay']);
      expect(await store.chunksOf('hr.md', { labels: [] })).toEqual([]);
      expect(await store.chunksOf('hr.md', { labels: ['legal'] })).toEqual([]);
      expect((await store.chunksOf('hr.md', { labels: ['hr'], tags: ['policy'] })).map((h) => h.chunkId)).toEqual([
        'hr.md#3#h1',
      ]);
      expect(await store.chunksOf('a.md', { tags: ['policy'] })).toEqual([]);
    });

    it('keyword-indexes a chunk’s keywordText in place of its text, and shows the text', async () => {
      const store = await fresh();
      await store.write({
        removeDocIds: [],
        upsert: [
          chunk('a.md', 0, 'The keeper lit the lamp at dusk.', {
            keywordText: 'Lighthouse of Ouessant > Duties\n\nThe keeper lit the lamp at dusk.',
          }),
          chunk('b.md', 1, 'The lighthouse is white.'),
          // the same as its text: stored and exported as a chunk without keywordText
          chunk('c.md', 2, 'Copper prices rose.', { keywordText: 'Copper prices rose.' }),
        ],
      });
      const ouessant = await store.search({ mode: 'keyword', text: 'Ouessant duties', k: 5 });
      expect(ouessant.map((h) => [h.docId, h.text])).toEqual([['a.md', 'The keeper lit the lamp at dusk.']]);
      expect((await store.search({ mode: 'keyword', text: 'lighthouse', k: 5 })).map((h) => h.docId).sort()).toEqual([
        'a.md',
        'b.md',
      ]);
      const hybrid = await store.search({ mode: 'hybrid', vector: vec(5), text: 'Ouessant', k: 1 });
      expect(hybrid.map((h) => h.docId)).toEqual(['a.md']);
      expect((await store.search({ mode: 'keyword', text: 'copper', k: 5 })).map((h) => h.docId)).toEqual(['c.md']);
      const exported = new Map<string, ChunkRecord>();
      for await (const page of store.exportChunks()) for (const c of page) exported.set(c.docId, c);
      expect(exported.get('a.md')?.keywordText).toBe(
        'Lighthouse of Ouessant > Duties\n\nThe keeper lit the lamp at dusk.',
      );
      expect(exported.get('b.md')).not.toHaveProperty('keywordText');
      expect(exported.get('c.md')).not.toHaveProperty('keywordText');
    });

    it('exports every chunk once, with its vector and metadata, in pages of the given size', async () => {
      const store = await fresh();
      const collect = async (pageSize?: number) => {
        const pages: ChunkRecord[][] = [];
        for await (const page of store.exportChunks(pageSize === undefined ? undefined : { pageSize }))
          pages.push(page);
        return pages;
      };
      expect(await collect(5)).toEqual([]);
      const written = Array.from({ length: 23 }, (_, i) =>
        chunk(`d${i % 4}.md`, i, `chunk ${i} – Zürich`, {
          page: i % 3 ? i : null,
          headingPath: ['Ä', `h${i}`],
          labels: i % 5 ? [] : ['hr'],
          tags: i % 2 ? ['odd'] : [],
          docHash: `hash${i % 4}`,
          chunkId: `d${i % 4}.md#${i}`,
          ...(i % 3 === 1 ? { keywordText: `Ä > h${i}\n\nchunk ${i} – Zürich` } : {}),
          ...(i % 4 === 2 ? { chunking: '200/32' } : {}),
        }),
      );
      await store.write({ removeDocIds: [], upsert: written });
      const pages = await collect(5);
      expect(pages.map((page) => page.length).sort()).toEqual([3, 5, 5, 5, 5]);
      const plain = (c: ChunkRecord) => ({ ...c, vector: Array.from(c.vector) });
      const exported = pages.flat().sort((a, b) => a.position - b.position);
      expect(exported.map(plain)).toEqual(written.map(plain));
      expect(exported[0]!.vector).toBeInstanceOf(Float32Array);
      expect((await collect()).map((page) => page.length)).toEqual([23]);
      await expect(collect(0)).rejects.toThrow(/page size must be a whole number/);
    });

    it('disposes cleanly after use', async () => {
      const store = await makeStore(`contract_dispose_${Date.now()}`, DIM);
      await store.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'to be closed')] });
      await expect(store.dispose()).resolves.toBeUndefined();
    });
  });
}
