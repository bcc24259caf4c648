import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createEmbedder } from '../runtime/backends.ts';
import type { Embedder } from '../embed/embedder.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { datasetsDir } from '../testing/datasets.ts';
import { readJournal, watchCollection, type WatchBatch, type Watcher } from './watch.ts';

const docs = JSON.parse(readFileSync(join(datasetsDir, 'fictional-knowledge/fictional_knowledge.json'), 'utf8')) as {
  train_context: string;
}[];
const home = mkdtempSync(join(tmpdir(), 'attune-watch-'));
const corpus = join(home, 'corpus');
const journal = join(home, 'watch', 'fk.json');
let embedder: Embedder;
let store: Store;
let batches: WatchBatch[] = [];

beforeAll(async () => {
  embedder = await createEmbedder(parseConfig({}));
  store = await openStore({
    home,
    collection: 'fk',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  mkdirSync(corpus);
  docs
    .slice(0, 2)
    .forEach((doc, i) => writeFileSync(join(corpus, `doc${i}.md`), `# Document ${i}\n\n${doc.train_context}`));
});
afterAll(async () => {
  await store?.dispose();
  await embedder?.dispose();
  rmSync(home, { recursive: true, force: true });
});

const start = (): Promise<Watcher> =>
  watchCollection({
    paths: [corpus],
    store,
    embedder,
    chunking: { maxTokens: 128, overlapTokens: 16 },
    cacheDir: join(home, 'cache'),
    journal,
    debounceMs: 200,
    onBatch: (b) => batches.push(b),
  });

/** Waits for the next committed batch (fs events arrive asynchronously after a write returns). */
async function nextBatch(after: number, timeoutMs = 60_000): Promise<WatchBatch> {
  const deadline = Date.now() + timeoutMs;
  while (batches.length <= after) {
    if (Date.now() > deadline) throw new Error('no batch was committed in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return batches[after]!;
}

const find = async (text: string) => {
  const [vector] = await embedder.embed([text]);
  return store.search({ mode: 'hybrid', vector, text, k: 1 });
};

describe('attune watch (real embedder, real store)', () => {
  it('catches up on start, then commits added, edited and removed files as they change', async () => {
    const watcher = await start();
    expect(batches[0]).toMatchObject({ trigger: 'catch-up', result: { added: 2, removed: 0 } });

    writeFileSync(join(corpus, 'new.md'), '# Harbour\n\nThe lighthouse of Quellport was repainted violet in 1911.');
    const added = await nextBatch(1);
    expect(added).toMatchObject({ trigger: 'change', result: { added: 1, updated: 0, removed: 0, unchanged: 2 } });
    expect((await find('lighthouse of Quellport repainted'))[0]?.docId).toBe('new.md');

    writeFileSync(join(corpus, 'new.md'), '# Harbour\n\nThe lighthouse of Quellport was repainted amber in 1912.');
    expect((await nextBatch(2)).result).toMatchObject({ added: 0, updated: 1, removed: 0 });
    expect((await find('lighthouse repainted'))[0]?.text).toContain('amber');

    rmSync(join(corpus, 'doc1.md'));
    expect((await nextBatch(3)).result).toMatchObject({ removed: 1 });
    expect((await store.documents()).map((d) => d.docId).sort()).toEqual(['doc0.md', 'new.md']);
    await watcher.close();
    expect((await readJournal(journal)).pending).toEqual([]);
  }, 180_000);

  it('batches a burst of changes into one commit and ignores editor temp files', async () => {
    batches = [];
    const watcher = await start();
    expect(batches[0]!.result).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
    for (let i = 0; i < 5; i++)
      writeFileSync(join(corpus, `burst${i}.md`), `# Burst ${i}\n\nBurst note number ${i} about the Zorgon ferry.`);
    writeFileSync(join(corpus, '.new.md.swp'), 'editor scratch');
    const burst = await nextBatch(1);
    expect(burst.result.added).toBe(5);
    expect(burst.changed.some((path) => path.endsWith('.swp'))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(batches).toHaveLength(2);
    await watcher.close();
  }, 180_000);

  it('a restarted watcher catches up with what changed while it was down, and with the journal a crash left', async () => {
    batches = [];
    // changes while no watcher runs, and a journal as a killed watcher leaves it (a change seen, not committed)
    writeFileSync(
      join(corpus, 'offline.md'),
      '# Offline\n\nWritten while the watcher was down: the Zorgon mint closed.',
    );
    rmSync(join(corpus, 'burst0.md'));
    writeFileSync(journal, JSON.stringify({ pending: [join(corpus, 'burst1.md')] }));
    const watcher = await start();
    expect(batches[0]).toMatchObject({
      trigger: 'catch-up',
      changed: [join(corpus, 'burst1.md')],
      result: { added: 1, removed: 1 },
    });
    expect((await find('Zorgon mint closed'))[0]?.docId).toBe('offline.md');
    expect((await readJournal(journal)).pending).toEqual([]);
    await watcher.close();
  }, 180_000);
});
