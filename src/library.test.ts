import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// by the package's name, as another program imports it (a self-reference through package.json "exports")
import * as attune from 'attune';
import { hashingEmbedder, MemoryStore, scriptedGenerator } from 'attune/testing';
import { answerFromFolder } from '../examples/embed.ts';

describe('the attune package', () => {
  it('resolves "attune" and "attune/testing" to this source tree', () => {
    expect(fileURLToPath(import.meta.resolve('attune'))).toBe(fileURLToPath(new URL('./index.ts', import.meta.url)));
    expect(fileURLToPath(import.meta.resolve('attune/testing'))).toBe(
      fileURLToPath(new URL('./testing/index.ts', import.meta.url)),
    );
  });

  it('exports every stage, the backends and the errors', () => {
    for (const name of [
      'ingest',
      'retrieve',
      'createStrategy',
      'evaluate',
      'executeRun',
      'runCompare',
      'tune',
      'openDatabase',
      'askSql',
      'startServer',
      'createApp',
      'openStore',
      'createEmbedder',
      'createGenerator',
      'llmReranker',
    ] as const) {
      expect(typeof attune[name], name).toBe('function');
    }
    expect(new attune.UsageError('bad flag')).toBeInstanceOf(attune.AttuneError);
    expect(new attune.StoreError('x').name).toBe('StoreError');
    expect(attune.STRATEGY_NAMES).toContain('raft');
  });

  it('ingests a folder into an in-memory store and searches it, through the public API only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-library-'));
    try {
      await writeFile(join(dir, 'vacation.md'), '# Leave\n\nEvery employee gets 28 vacation days a year.');
      await writeFile(join(dir, 'parking.md'), '# Parking\n\nVisitors park in lot B behind the warehouse.');
      const embedder = hashingEmbedder();
      const store = new MemoryStore({ collection: 'handbook', dimension: embedder.dimension });
      const result = await attune.ingest({
        paths: [dir],
        store,
        embedder,
        chunking: { maxTokens: 64, overlapTokens: 8 },
        cacheDir: join(dir, '.cache'),
      });
      expect(result).toMatchObject({ added: 2, failed: [] });
      const { hits } = await attune.retrieve(store, embedder, 'How many vacation days do I get?', {
        k: 1,
        mode: 'hybrid',
      });
      expect(hits[0]!.docId).toBe('vacation.md');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs the README example (examples/embed.ts) on a real LanceDB store with the kit’s models', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-example-'));
    try {
      const folder = join(home, 'docs');
      await mkdir(folder);
      await writeFile(join(folder, 'vacation.md'), '# Leave\n\nEvery employee gets 28 vacation days a year.');
      await writeFile(join(folder, 'parking.md'), '# Parking\n\nVisitors park in lot B behind the warehouse.');
      const generator = scriptedGenerator(({ prompt }) =>
        prompt.includes('28 vacation days') ? '28 days [1].' : "I don't know.",
      );
      const { indexed, answer } = await answerFromFolder({
        folder,
        question: 'How many vacation days do I get?',
        home,
        embedder: hashingEmbedder(),
        generator,
      });
      expect(indexed).toMatchObject({ added: 2, failed: [] });
      expect(answer.answer).toBe('28 days [1].');
      expect(answer.citations).toEqual([
        expect.objectContaining({ n: 1, docId: 'vacation.md', source: join(folder, 'vacation.md') }),
      ]);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
