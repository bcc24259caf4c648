import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerStore } from '../../cli/commands/store.ts';
import { registerCollectionsCopy } from '../../cli/commands/collections-copy.ts';
import { copyCollection } from '../copy.ts';
import { UsageError } from '../../errors.ts';
import type { Store } from '../store.ts';
import { startPgliteServer } from '../../testing/pglite-server.ts';
import { listCollections, openStore } from '../open.ts';
import { chunk } from '../store.contract.ts';

const server = await startPgliteServer({ maxConnections: 64 });
afterAll(() => server.stop());
const home = mkdtempSync(join(tmpdir(), 'attune-pg-cli-'));

/** The CLI with only these commands (as main.ts builds it), so others' commands cannot break this test. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('attune')
    .option('--home <dir>')
    .option('--config <file>')
    .option('--store <url>')
    .exitOverride();
  registerStore(program);
  registerCollectionsCopy(program);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    process.stderr.write(`attune: ${(error as Error).message}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** Runs the CLI in-process; returns exit code and stdout. */
async function attune(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [out, err] = [process.stdout.write, process.stderr.write];
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(['node', 'attune', '--home', home, ...args]), stdout, stderr };
  } finally {
    [process.stdout.write, process.stderr.write] = [out, err];
  }
}

describe('attune store / collections copy', () => {
  it('migrates idempotently and reports stats', async () => {
    expect(JSON.parse((await attune('store', 'migrate', '--store', server.url, '--json')).stdout)).toEqual({
      applied: [1, 2],
      version: 2,
    });
    expect(JSON.parse((await attune('store', 'migrate', '--store', server.url, '--json')).stdout)).toEqual({
      applied: [],
      version: 2,
    });
    const refused = await attune('store', 'stats');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/needs a Postgres store/);
  });

  it('copies an embedded collection into Postgres and back with vectors and counts intact', async () => {
    const local = await openStore({ home, collection: 'hand', embedderId: 'test', dimension: 8, create: true });
    const chunks = [
      chunk('a.md', 0, 'lighthouse keeper', { labels: ['hr'] }),
      chunk('a.md', 1, 'copper harbour'),
      chunk('b.md', 2, 'barley soup', { tags: ['food'] }),
    ];
    await local.write({ removeDocIds: [], upsert: chunks });
    const before = await local.search({ mode: 'vector', vector: chunks[1]!.vector, k: 3 });
    await local.dispose();

    const to = await attune('collections', 'copy', '--from', 'hand', '--to', server.url, '--json');
    expect(to.code, to.stderr).toBe(0);
    expect(JSON.parse(to.stdout)).toMatchObject({ documents: 2, chunks: 3 });
    const stats = JSON.parse((await attune('store', 'stats', '--store', server.url, '--json')).stdout);
    expect(stats.collections).toEqual([
      expect.objectContaining({ name: 'hand', documents: 2, chunks: 3, dimension: 8, hnswIndex: false }),
    ]);
    const remote = await openStore({
      home,
      url: server.url,
      collection: 'hand',
      embedderId: 'test',
      dimension: 8,
      create: false,
    });
    const after = await remote.search({ mode: 'vector', vector: chunks[1]!.vector, k: 3 });
    expect(after.map((h) => [h.chunkId, h.labels, h.tags])).toEqual(before.map((h) => [h.chunkId, h.labels, h.tags]));
    after.forEach((h, i) => expect(h.score).toBeCloseTo(before[i]!.score, 5));
    await remote.dispose();

    const again = await attune('collections', 'copy', '--from', 'hand', '--to', server.url);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    const back = await attune(
      'collections',
      'copy',
      '--from',
      'hand',
      '--from-store',
      server.url,
      '--to',
      'lancedb',
      '--to-collection',
      'hand2',
      '--json',
    );
    expect(back.code, back.stderr).toBe(0);
    const copy = await openStore({ home, collection: 'hand2', embedderId: 'test', dimension: 8, create: false });
    expect(await copy.documents()).toEqual([
      { docId: 'a.md', source: 'corpus/a.md', docHash: 'h1', chunks: 2, labels: ['hr'], tags: [] },
      { docId: 'b.md', source: 'corpus/b.md', docHash: 'h1', chunks: 1, labels: [], tags: ['food'] },
    ]);
    expect((await copy.search({ mode: 'vector', vector: chunks[1]!.vector, k: 3 })).map((h) => h.chunkId)).toEqual(
      before.map((h) => h.chunkId),
    );
    await copy.dispose();

    const missing = await attune('collections', 'copy', '--from', 'nope', '--to', server.url);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/unknown collection "nope"/)]);
  });

  it('copies from a collection folder, also one moved out of its home, and refuses other folders', async () => {
    const otherHome = mkdtempSync(join(tmpdir(), 'attune-pg-cli-other-'));
    const local = await openStore({
      home: otherHome,
      collection: 'folder',
      embedderId: 'test',
      dimension: 8,
      create: true,
    });
    await local.write({
      removeDocIds: [],
      upsert: [chunk('a.md', 0, 'alpha'), chunk('a.md', 1, 'beta'), chunk('b.md', 2, 'gamma')],
    });
    await local.dispose();
    const moved = join(mkdtempSync(join(tmpdir(), 'attune-pg-cli-moved-')), 'somewhere');
    cpSync(join(otherHome, 'collections', 'folder'), moved, { recursive: true });

    const fromDir = await attune(
      'collections',
      'copy',
      '--from',
      join(otherHome, 'collections', 'folder'),
      '--to',
      server.url,
      '--json',
    );
    expect(fromDir.code, fromDir.stderr).toBe(0);
    expect(JSON.parse(fromDir.stdout)).toMatchObject({
      from: { collection: 'folder' },
      to: { collection: 'folder' },
      documents: 2,
      chunks: 3,
    });
    const fromMoved = await attune(
      'collections',
      'copy',
      '--from',
      moved,
      '--to',
      server.url,
      '--to-collection',
      'moved',
      '--json',
    );
    expect(fromMoved.code, fromMoved.stderr).toBe(0);
    expect(JSON.parse(fromMoved.stdout)).toMatchObject({ to: { collection: 'moved' }, documents: 2, chunks: 3 });

    const notCollection = await attune('collections', 'copy', '--from', tmpdir(), '--to', server.url);
    expect([notCollection.code, notCollection.stderr]).toEqual([
      1,
      expect.stringMatching(/is not an attune collection folder/),
    ]);
  });

  it('removes the target and fails when the counts do not match after the copy', async () => {
    const local = await openStore({ home, collection: 'lossy', embedderId: 'test', dimension: 8, create: true });
    await local.write({ removeDocIds: [], upsert: [chunk('a.md', 0, 'one'), chunk('b.md', 1, 'two')] });
    await local.dispose();
    const dropOne = { afterWrite: (target: Store) => target.write({ upsert: [], removeDocIds: ['b.md'] }) };
    await expect(copyCollection({ home, from: 'lossy', toUrl: server.url, ...dropOne })).rejects.toThrow(
      /source has 2 documents \/ 2 chunks, target 1 \/ 1; target removed/,
    );
    expect((await listCollections(home, server.url)).map((c) => c.name)).not.toContain('lossy');
  });
});
