import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, listCollections, deleteCollection } from './open.ts';
import { describeStoreContract } from './store.contract.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-lance-'));

describeStoreContract('lancedb', (collection, dimension) => openStore({ home, collection, embedderId: 'test', dimension, create: true }));

describe('openStore (lancedb)', () => {
  it('refuses unknown collections, bad names and a different embedder', async () => {
    await expect(openStore({ home, collection: 'nope', embedderId: 'test', dimension: 8, create: false })).rejects.toThrow(/unknown collection "nope"/);
    await expect(openStore({ home, collection: '../etc', embedderId: 'test', dimension: 8, create: true })).rejects.toThrow(/invalid collection name/);
    const store = await openStore({ home, collection: 'fixed', embedderId: 'test', dimension: 8, create: true });
    await store.dispose();
    await expect(openStore({ home, collection: 'fixed', embedderId: 'other', dimension: 8, create: false })).rejects.toThrow(/embedded with test/);
  });
  it('lists and deletes collections', async () => {
    const store = await openStore({ home, collection: 'gone', embedderId: 'test', dimension: 8, create: true });
    await store.dispose();
    expect((await listCollections(home)).map((c) => c.name)).toContain('gone');
    expect(await deleteCollection(home, 'gone')).toBe(true);
    expect((await listCollections(home)).map((c) => c.name)).not.toContain('gone');
  });
});
