import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startPgliteServer } from '../../testing/pglite-server.ts';
import { deleteCollection, listCollections, openStore } from '../open.ts';
import { chunk, describeStoreContract } from '../store.contract.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { PostgresStore } from './postgres-store.ts';

// One PGlite session behind the socket: pools of 4 are queued into it (see pglite-server.ts).
const server = await startPgliteServer({ maxConnections: 64 });
const url = `${server.url}?pool_max=4`;
afterAll(() => server.stop());

const open = (collection: string, dimension = 8, extra = '') =>
  openStore({
    home: '/nonexistent',
    url: url + extra,
    collection,
    embedderId: 'test',
    dimension,
    create: true,
  }) as Promise<PostgresStore>;

describeStoreContract('postgres (PGlite + pgvector)', (collection, dimension) => open(collection, dimension));

function vec(values: number[]): Float32Array {
  const v = new Float32Array(8);
  values.forEach((x, i) => (v[i] = x));
  return v;
}

describe('PostgresStore', () => {
  it('applies migrations once: a second open and a second migrate change nothing', async () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 1 });
    try {
      expect(await migrate(pool)).toEqual([]);
      const first = await open('twice');
      await first.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'kept across opens')] });
      await first.dispose();
      const second = await open('twice');
      expect((await second.documents()).map((d) => d.docId)).toEqual(['a.md']);
      await second.dispose();
      const { rows } = await pool.query('SELECT version FROM schema_migrations');
      expect(rows.map((r) => r.version)).toEqual([1, 2]);
    } finally {
      await pool.end();
    }
  });

  it('migrates a database of schema 1 to keyword_text: old chunks keep their keyword search, new ones index keywordText', async () => {
    const old = await startPgliteServer();
    const pool = new pg.Pool({ connectionString: old.url, max: 1 });
    try {
      expect(await migrate(pool, MIGRATIONS.slice(0, 1))).toEqual([1]);
      await pool.query(`INSERT INTO collections (name, embedder_id, dimension) VALUES ('legacy', 'test', 8)`);
      await pool.query(
        `INSERT INTO chunks (collection, chunk_id, doc_id, source, title, heading_path, page, position, text, doc_hash, embedding)
         VALUES ('legacy', 'a#0', 'a.md', 'corpus/a.md', 'a.md', '{}', NULL, 0, 'written before the migration', 'h1', '[1,0,0,0,0,0,0,0]')`,
      );
      await pool.query(
        `INSERT INTO documents (collection, doc_id, source, doc_hash, chunks) VALUES ('legacy', 'a.md', 'corpus/a.md', 'h1', 1)`,
      );
      expect(await migrate(pool)).toEqual([2]);
      const store = (await openStore({
        home: '/nonexistent',
        url: old.url,
        collection: 'legacy',
        embedderId: 'test',
        dimension: 8,
        create: false,
      })) as PostgresStore;
      try {
        expect((await store.search({ mode: 'keyword', text: 'migration', k: 5 })).map((h) => h.docId)).toEqual([
          'a.md',
        ]);
        await store.write({
          removeDocIds: [],
          upsert: [
            chunk('b.md', 1, 'written after it', { keywordText: 'Ouessant\n\nwritten after it', chunking: '200/32' }),
          ],
        });
        expect((await store.search({ mode: 'keyword', text: 'Ouessant', k: 5 })).map((h) => h.docId)).toEqual(['b.md']);
        const exported = [];
        for await (const page of store.exportChunks()) exported.push(...page);
        expect(exported.map((c) => [c.docId, c.keywordText, c.chunking])).toEqual([
          ['a.md', undefined, undefined],
          ['b.md', 'Ouessant\n\nwritten after it', '200/32'],
        ]);
        expect((await store.documents()).map((d) => [d.docId, d.chunking])).toEqual([
          ['a.md', undefined],
          ['b.md', '200/32'],
        ]);
      } finally {
        await store.dispose();
      }
    } finally {
      await pool.end();
      await old.stop();
    }
  });

  it('rolls back a whole write when one chunk has the wrong dimension', async () => {
    const store = await open('failed_write');
    await store.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'original a'), chunk('b.md', 1, 'original b')] });
    const before = await store.documents();
    const bad = { ...chunk('b.md', 2, 'bad vector'), vector: new Float32Array(5) };
    await expect(
      store.write({
        removeDocIds: ['a.md'],
        upsert: [chunk('b.md', 1, 'replacement', { docHash: 'h2', chunkId: 'b#new' }), bad],
      }),
    ).rejects.toThrow(/nothing was changed.*expected 8 dimensions/);
    expect(await store.documents()).toEqual(before);
    expect((await store.search({ mode: 'keyword', text: 'original', k: 5 })).map((h) => h.docId).sort()).toEqual([
      'a.md',
      'b.md',
    ]);
    await store.dispose();
  });

  it('leaves nothing of a write whose connection dies mid-transaction, and keeps working after', async () => {
    await (await open('crash')).dispose();
    const pool = new pg.Pool({ connectionString: server.url, max: 2 });
    // failure injection: the socket is cut after the first of the write's multi-row INSERTs landed
    const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>;
    let cut = false;
    const wrapped = new WeakSet<pg.PoolClient>();
    // only write()'s promise-style checkouts are wrapped; pool.query() checks out with a callback
    (pool as { connect: unknown }).connect = async (callback?: unknown) => {
      if (callback) return connect(callback);
      const client = await connect();
      if (wrapped.has(client)) return client;
      wrapped.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      let inserts = 0;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        if (!cut && typeof args[0] === 'string' && args[0].startsWith('INSERT INTO chunks') && ++inserts === 2) {
          cut = true;
          (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
        }
        return query(...args);
      };
      return client;
    };
    const store = await PostgresStore.open({ pool, collection: 'crash', dimension: 8, ownsPool: true });
    await store.write({ removeDocIds: [], upsert: [chunk('kept.md', 0, 'committed before the crash')] });
    const many = Array.from({ length: 1200 }, (_, i) => chunk(`doc${i % 7}.md`, i, `half written ${i}`));
    await expect(store.write({ removeDocIds: ['kept.md'], upsert: many })).rejects.toThrow(/nothing was changed/);
    expect(cut).toBe(true);

    const check = await open('crash');
    expect((await check.documents()).map((d) => [d.docId, d.chunks])).toEqual([['kept.md', 1]]);
    expect(await check.search({ mode: 'keyword', text: 'half written', k: 5 })).toEqual([]);
    // the broken connection was dropped from the pool: the same store writes again
    await store.write({ removeDocIds: [], upsert: many.slice(0, 10) });
    expect((await check.documents()).length).toBe(8);
    await Promise.all([store.dispose(), check.dispose()]);
  });

  it('lands two concurrent writes to the same collection, and reads keep working meanwhile', async () => {
    const [one, two] = [await open('concurrent'), await open('concurrent')];
    const docs = (prefix: string) =>
      Array.from({ length: 30 }, (_, i) => chunk(`${prefix}${i}.md`, i, `${prefix} text number ${i}`));
    const reads = one.search({ mode: 'hybrid', vector: vec([1]), text: 'text', k: 5 });
    await Promise.all([
      one.write({ removeDocIds: [], upsert: docs('x') }),
      two.write({ removeDocIds: [], upsert: docs('y') }),
      reads,
    ]);
    expect(await one.documents()).toHaveLength(60);
    expect((await two.search({ mode: 'keyword', text: 'text', k: 100 })).length).toBe(60);
    await Promise.all([one.dispose(), two.dispose()]);
  });

  it('fuses vector and keyword ranks by RRF (k=60) in SQL', async () => {
    const store = await open('rrf');
    await store.write({
      removeDocIds: [],
      upsert: [
        chunk('a.md', 0, 'zebra', { vector: vec([1, 0]) }),
        chunk('b.md', 1, 'zebra zebra crossing', { vector: vec([0, 1]) }),
        chunk('c.md', 2, 'nothing here', { vector: vec([0.9, 0.1]) }),
      ],
    });
    const hits = await store.search({
      mode: 'hybrid',
      vector: vec([1, 0]),
      text: 'zebra',
      k: 3,
      fusion: { method: 'rrf' },
    });
    // a: vector rank 1 + keyword rank 2; b: keyword 1 + vector 3; c: vector 2 only
    expect(hits.map((h) => h.docId)).toEqual(['a.md', 'b.md', 'c.md']);
    expect(hits[0]!.score).toBeCloseTo(1 / 61 + 1 / 62, 10);
    expect(hits[2]!.score).toBeCloseTo(1 / 62, 10);
    await store.dispose();
  });

  it('builds the HNSW index past the threshold and still answers filtered queries', async () => {
    const store = await open('ann', 8, '&hnsw_threshold=50');
    const many = Array.from({ length: 60 }, (_, i) =>
      chunk(`d${i}.md`, i, `row ${i}`, { tags: i === 59 ? ['rare'] : [] }),
    );
    await store.write({ removeDocIds: [], upsert: many });
    expect(store.hasHnsw).toBe(true);
    const rare = await store.search({ mode: 'vector', vector: vec([1]), k: 1, filter: { tags: ['rare'] } });
    expect(rare.map((h) => h.docId)).toEqual(['d59.md']);
    expect(await store.search({ mode: 'vector', vector: vec([1]), k: 10 })).toHaveLength(10);
    await store.dispose();
  });

  it('refuses another embedder, lists and removes collections', async () => {
    await (await open('listed')).dispose();
    await expect(
      openStore({ home: '/x', url, collection: 'listed', embedderId: 'other', dimension: 8, create: false }),
    ).rejects.toThrow(/embedded with test/);
    await expect(
      openStore({ home: '/x', url, collection: 'missing', embedderId: 'test', dimension: 8, create: false }),
    ).rejects.toThrow(/unknown collection "missing"/);
    expect((await listCollections('/x', url)).map((c) => c.name)).toContain('listed');
    expect(await deleteCollection('/x', 'listed', url)).toBe(true);
    expect((await listCollections('/x', url)).map((c) => c.name)).not.toContain('listed');
    expect(await deleteCollection('/x', 'listed', url)).toBe(false);
  });

  it('treats keyword text as words: stop words only, operators and quotes are harmless', async () => {
    const store = await open('odd_text');
    await store.write({ removeDocIds: [], upsert: [chunk('a.md', 0, "the keeper's lamp & the | tower")] });
    expect(await store.search({ mode: 'keyword', text: 'the of and', k: 5 })).toEqual([]);
    for (const text of ["keeper's", 'lamp & !tower', "') OR 1=1 --", 'tower | <-> :*']) {
      expect(
        (await store.search({ mode: 'hybrid', vector: vec([1]), text, k: 5 })).map((h) => h.docId),
        text,
      ).toEqual(['a.md']);
    }
    expect((await store.search({ mode: 'keyword', text: 'unrelated words entirely', k: 5 })).length).toBe(0);
    await store.dispose();
  });

  it('fails with one line naming the server when nothing listens', async () => {
    await expect(
      openStore({
        home: '/x',
        url: 'postgres://u:secret@127.0.0.1:1/db',
        collection: 'c',
        embedderId: 't',
        dimension: 8,
        create: true,
      }),
    ).rejects.toThrow(/could not connect to postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/);
  });
});
