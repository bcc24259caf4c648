import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { copyCollection } from './copy.ts';
import { listCollections, openStore } from './open.ts';
import { chunk } from './store.contract.ts';
import type { Store } from './store.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-copy-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('copyCollection (embedded store; Postgres in postgres-cli.test.ts)', () => {
  it('copies under a new name with vectors, labels and tags, and refuses the same collection', async () => {
    const source = await openStore({ home, collection: 'hand', embedderId: 'test', dimension: 8, create: true });
    const chunks = [
      chunk('a.md', 0, 'lighthouse keeper', { labels: ['hr'] }),
      chunk('a.md', 1, 'copper harbour'),
      chunk('b.md', 2, 'barley soup', { tags: ['food'] }),
    ];
    await source.write({ removeDocIds: [], upsert: chunks });
    await source.dispose();

    const result = await copyCollection({ home, from: 'hand', toUrl: 'lancedb', toCollection: 'hand2' });
    expect(result).toEqual({
      from: { store: 'lancedb', collection: 'hand' },
      to: { store: 'lancedb', collection: 'hand2' },
      documents: 2,
      chunks: 3,
    });
    const copy = await openStore({ home, collection: 'hand2', embedderId: 'test', dimension: 8, create: false });
    const exported = [];
    for await (const page of copy.exportChunks()) exported.push(...page);
    const plain = (c: (typeof chunks)[number]) => ({ ...c, vector: Array.from(c.vector) });
    expect(exported.map(plain).sort((a, b) => a.position - b.position)).toEqual(chunks.map(plain));
    await copy.dispose();

    await expect(copyCollection({ home, from: 'hand', toUrl: 'lancedb' })).rejects.toThrow(
      /same collection in the same store/,
    );
    await expect(copyCollection({ home, from: 'hand', toCollection: 'hand2' })).rejects.toThrow(
      /"hand2" already exists in lancedb/,
    );
    await expect(copyCollection({ home, from: 'hand', toUrl: 'mysql://x' })).rejects.toThrow(
      /--to must be postgres:\/\/… or lancedb, got "mysql:\/\/x"/,
    );
    await expect(
      copyCollection({ home, from: join(home, 'collections', 'hand'), toCollection: 'fromdir' }),
    ).resolves.toMatchObject({ to: { collection: 'fromdir' }, chunks: 3 });
  });

  it('re-embeds every chunk with the embedder given, and the copy records that embedder', async () => {
    const source = await openStore({ home, collection: 'orig', embedderId: 'test', dimension: 8, create: true });
    await source.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'lighthouse keeper'), chunk('b.md', 1, 'soup')] });
    await source.dispose();
    const embedder = hashingEmbedder({ dimension: 16 });
    const seen: number[] = [];
    const result = await copyCollection({
      home,
      from: 'orig',
      toCollection: 'orig-tuned',
      embedder,
      onProgress: (done) => seen.push(done),
    });
    expect(result.chunks).toBe(2);
    expect(seen).toEqual([2]);
    const info = (await listCollections(home)).find((c) => c.name === 'orig-tuned')!;
    expect([info.embedderId, info.dimension]).toEqual([embedder.id, 16]);
    const copy = await openStore({
      home,
      collection: 'orig-tuned',
      embedderId: embedder.id,
      dimension: 16,
      create: false,
    });
    const exported = [];
    for await (const page of copy.exportChunks()) exported.push(...page);
    const [expected] = await embedder.embed(['lighthouse keeper']);
    expect(Array.from(exported.find((c) => c.docId === 'a.md')!.vector)).toEqual(Array.from(expected!));
    await copy.dispose();
    // a failed embedding creates no collection
    const failing = { ...embedder, embed: () => Promise.reject(new Error('model gone')) };
    await expect(copyCollection({ home, from: 'orig', toCollection: 'orig-bad', embedder: failing })).rejects.toThrow(
      'model gone',
    );
    expect((await listCollections(home)).map((c) => c.name)).not.toContain('orig-bad');
  });

  it('removes the target when the counts do not match after the write', async () => {
    const source = await openStore({ home, collection: 'lossy', embedderId: 'test', dimension: 8, create: true });
    await source.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'one'), chunk('b.md', 1, 'two')] });
    await source.dispose();
    const dropOne = (target: Store) => target.write({ upsert: [], removeDocIds: ['b.md'] });
    await expect(copyCollection({ home, from: 'lossy', toCollection: 'lossy2', afterWrite: dropOne })).rejects.toThrow(
      /source has 2 documents \/ 2 chunks, target 1 \/ 1; target removed/,
    );
    expect((await listCollections(home)).map((c) => c.name)).not.toContain('lossy2');
  });
});
