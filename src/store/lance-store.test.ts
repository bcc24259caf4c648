import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LanceStore } from './lance-store.ts';
import { openStore, listCollections, deleteCollection } from './open.ts';
import { chunk, describeStoreContract } from './store.contract.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-lance-'));

describeStoreContract('lancedb', (collection, dimension) =>
  openStore({ home, collection, embedderId: 'test', dimension, create: true }),
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

describe('LanceStore specifics', () => {
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
