import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createEmbedder } from '../runtime/backends.ts';
import type { Embedder } from '../embed/embedder.ts';
import { openStore } from '../store/open.ts';
import { datasetsDir } from '../testing/datasets.ts';
import { ingest } from './ingest.ts';
import { makePdf } from '../testing/documents.ts';

const docs = JSON.parse(readFileSync(join(datasetsDir, 'fictional-knowledge/fictional_knowledge.json'), 'utf8')) as {
  train_context: string;
}[];
const home = mkdtempSync(join(tmpdir(), 'attune-ingest-'));
const corpus = join(home, 'corpus');
const chunking = { maxTokens: 128, overlapTokens: 16 };
let embedder: Embedder;

beforeAll(async () => {
  embedder = await createEmbedder(parseConfig({}));
  mkdirSync(corpus);
  docs
    .slice(0, 6)
    .forEach((doc, i) => writeFileSync(join(corpus, `doc${i}.md`), `# Document ${i}\n\n${doc.train_context}`));
});
afterAll(async () => embedder?.dispose());

const run = async (
  collection: string,
  paths: string[],
  prune = false,
  extra: { labels?: string[]; tags?: string[]; idRoot?: string } = {},
) => {
  const store = await openStore({
    home,
    collection,
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  try {
    return {
      result: await ingest({
        paths,
        store,
        embedder,
        chunking,
        prune,
        cacheDir: join(home, 'cache', collection),
        ...extra,
      }),
      docs: await store.documents(),
      store,
    };
  } finally {
    await store.dispose();
  }
};

describe('ingest (real embedder, real store)', () => {
  it('ingests a folder with metadata, then is incremental: unchanged, updated, pruned', async () => {
    const first = await run('fk', [corpus]);
    expect(first.result).toMatchObject({ added: 6, updated: 0, unchanged: 0, failed: [] });
    expect(first.docs.map((d) => d.docId)).toEqual(['doc0.md', 'doc1.md', 'doc2.md', 'doc3.md', 'doc4.md', 'doc5.md']);
    const store = await openStore({
      home,
      collection: 'fk',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: false,
    });
    const phrase = docs[3]!.train_context.split('.')[0]!;
    const [vector] = await embedder.embed([phrase]);
    const [hit] = await store.search({ mode: 'hybrid', vector, text: phrase, k: 1 });
    expect(hit).toMatchObject({
      docId: 'doc3.md',
      source: join(corpus, 'doc3.md'),
      title: 'Document 3',
      headingPath: ['Document 3'],
    });
    await store.dispose();

    expect((await run('fk', [corpus])).result).toMatchObject({ added: 0, updated: 0, unchanged: 6 });
    writeFileSync(join(corpus, 'doc1.md'), '# Document 1\n\nThe capital of Zorgon is now Quellport.');
    rmSync(join(corpus, 'doc5.md'));
    const third = await run('fk', [corpus], true);
    expect(third.result).toMatchObject({ added: 0, updated: 1, removed: 1, unchanged: 4 });
    expect(third.docs.find((d) => d.docId === 'doc1.md')!.chunks).toBe(1);
    expect(third.docs.map((d) => d.docId)).not.toContain('doc5.md');
  });

  it('treats changed access labels or tags as a changed document: every chunk gets the new ones', async () => {
    const file = join(corpus, 'doc2.md');
    expect((await run('labels', [file])).result).toMatchObject({ added: 1 });
    const relabelled = await run('labels', [file], false, { labels: ['hr'] });
    expect(relabelled.result).toMatchObject({ added: 0, updated: 1, unchanged: 0 });
    expect(relabelled.docs[0]).toMatchObject({ labels: ['hr'], tags: [] });
    const store = await openStore({
      home,
      collection: 'labels',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: false,
    });
    const phrase = docs[2]!.train_context.split('.')[0]!;
    const [vector] = await embedder.embed([phrase]);
    // a key holding no labels no longer sees the chunks
    expect(await store.search({ mode: 'vector', vector, k: 5, filter: { labels: [] } })).toEqual([]);
    expect((await store.search({ mode: 'vector', vector, k: 5, filter: { labels: ['hr'] } })).length).toBeGreaterThan(
      0,
    );
    await store.dispose();
    expect((await run('labels', [file], false, { labels: ['hr'], tags: ['policy'] })).result).toMatchObject({
      updated: 1,
    });
    expect((await run('labels', [file], false, { labels: ['hr'], tags: ['policy'] })).result).toMatchObject({
      unchanged: 1,
      updated: 0,
    });
  });

  it('gives files with one name in different folders their own ids; a collection made with base-name ids keeps them', async () => {
    for (const folder of ['north', 'south']) {
      mkdirSync(join(home, folder), { recursive: true });
      writeFileSync(
        join(home, folder, 'report.md'),
        `# Report\n\nThe ${folder} office sold ${folder.length} lanterns.`,
      );
    }
    const both = await run('same-name', [join(home, 'north', 'report.md'), join(home, 'south', 'report.md')], false, {
      idRoot: home,
    });
    expect(both.result).toMatchObject({ added: 2, failed: [] });
    expect(both.docs.map((d) => d.docId)).toEqual(['north/report.md', 'south/report.md']);
    // an old collection: the same file stored under its base name is updated in place, not duplicated
    const store = await openStore({
      home,
      collection: 'legacy',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: true,
    });
    const [vector] = await embedder.embed(['old text']);
    const source = join(home, 'north', 'report.md');
    await store.write({
      removeDocIds: [],
      upsert: [
        {
          chunkId: 'old',
          docId: 'report.md',
          source,
          title: 'Report',
          headingPath: [],
          page: null,
          position: 0,
          text: 'old text',
          docHash: 'old',
          labels: [],
          tags: [],
          vector: vector!,
        },
      ],
    });
    await store.dispose();
    const again = await run('legacy', [source], false, { idRoot: home });
    expect(again.result).toMatchObject({ added: 0, updated: 1 });
    expect(again.docs.map((d) => d.docId)).toEqual(['report.md']);
  });

  it('reports each bad file with its reason and still ingests the rest of the batch', async () => {
    const bad = join(home, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'good.md'), '# Good\n\nThis one is fine.');
    writeFileSync(join(bad, 'page.pdf'), makePdf('A real PDF page.'));
    writeFileSync(join(bad, 'empty.txt'), '');
    writeFileSync(join(bad, 'binary.txt'), Buffer.from([1, 2, 0, 3]));
    writeFileSync(join(bad, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    writeFileSync(join(bad, 'corrupt.pdf'), '%PDF-1.7 not really');
    writeFileSync(join(bad, 'corrupt.docx'), 'PK not a zip');
    writeFileSync(join(bad, 'huge.txt'), '');
    truncateSync(join(bad, 'huge.txt'), 500 * 1024 * 1024); // sparse: 500 MB without writing it
    const { result, docs: stored } = await run('bad', [bad, join(home, 'missing.md')]);
    expect(stored.map((d) => d.docId)).toEqual(['good.md', 'page.pdf']);
    const reasons = Object.fromEntries(result.failed.map((f) => [f.path.split('/').pop(), f.reason]));
    expect(reasons).toMatchObject({
      'empty.txt': 'empty file',
      'missing.md': 'no such file or directory',
    });
    expect(reasons['binary.txt']).toMatch(/binary content/);
    expect(reasons['latin1.txt']).toMatch(/not valid UTF-8/);
    expect(reasons['corrupt.pdf']).toMatch(/corrupt or unreadable PDF/);
    expect(reasons['corrupt.docx']).toMatch(/corrupt or unreadable DOCX/);
    expect(reasons['huge.txt']).toMatch(/524\.3 MB, over the 52 MB limit/);
  });

  it('an ingest killed with SIGKILL leaves the collection as it was; the next run finishes', async () => {
    const big = join(home, 'big');
    mkdirSync(big);
    docs.slice(10, 70).forEach((doc, i) => writeFileSync(join(big, `d${i}.md`), doc.train_context));
    const cli = join(process.cwd(), 'src/cli/main.ts');
    const child = spawn(process.execPath, [cli, '--home', home, 'ingest', big, '--collection', 'crash', '--json'], {
      stdio: 'ignore',
    });
    // kill it while it embeds: the embedding cache has started filling, nothing is written yet
    const cache = join(home, 'cache', 'embeddings', 'crash');
    const deadline = Date.now() + 120_000;
    while (!existsSync(cache) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const store = await openStore({
      home,
      collection: 'crash',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: true,
    });
    const after = await store.documents();
    await store.dispose();
    expect([0, 60]).toContain(after.length);
    const resumed = await run('crash', [big]);
    expect(resumed.docs).toHaveLength(60);
    expect(resumed.result.failed).toEqual([]);
  });
});
