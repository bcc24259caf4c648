import * as lancedb from '@lancedb/lancedb';
import type { Command } from 'commander';
import { collectionDir } from '../../config/paths.ts';
import { CollectionNotFoundError, StoreError, UsageError } from '../../errors.ts';
import { checkCollectionName, deleteCollection, listCollections, openStore } from '../../store/open.ts';
import { isPostgresUrl } from '../../store/pg/pg-backend.ts';
import { PgStore } from '../../store/pg/pg-store.ts';
import type { Store } from '../../store/store.ts';
import type { ChunkRecord, DocumentRecord } from '../../types.ts';
import { cliContext, output } from '../context.ts';

interface CopyFlags {
  from: string;
  fromStore?: string;
  to: string;
  toCollection?: string;
  json?: boolean;
}

const storeUrl = (url: string | undefined) => (url === undefined || url === 'lancedb' || url === 'lancedb:' ? undefined : url);
const describeUrl = (url: string | undefined) => (url ? url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : 'lancedb');

/** Every chunk of a collection with its vector: PgStore pages through SQL, LanceDB reads its table. */
async function readChunks(store: Store, home: string): Promise<ChunkRecord[]> {
  if (store instanceof PgStore) {
    const all: ChunkRecord[] = [];
    for await (const page of store.exportChunks()) all.push(...page);
    return all;
  }
  const connection = await lancedb.connect(collectionDir(home, store.collection));
  try {
    const table = await connection.openTable('chunks');
    const rows = await table.query().limit(Math.max(1, await table.countRows())).toArray();
    table.close();
    const list = (value: unknown) => (value ? Array.from(value as Iterable<string>) : []);
    return rows.map((r) => ({
      chunkId: r.chunk_id, docId: r.doc_id, source: r.source, title: r.title, headingPath: list(r.heading_path), page: r.page ?? null,
      position: r.position, text: r.text, docHash: r.doc_hash, labels: list(r.labels), tags: list(r.tags), vector: Float32Array.from(r.vector as Iterable<number>),
    }));
  } finally {
    connection.close();
  }
}

const totals = (docs: DocumentRecord[]) => ({ documents: docs.length, chunks: docs.reduce((n, d) => n + d.chunks, 0) });

/** Copies one collection between stores (embedded ⇄ Postgres) with its vectors, then verifies the counts. */
export async function copyCollection(home: string, flags: CopyFlags, inject: { afterWrite?: (target: Store) => Promise<void> } = {}) {
  const fromUrl = storeUrl(flags.fromStore);
  const toUrl = storeUrl(flags.to);
  const target = checkCollectionName(flags.toCollection ?? flags.from);
  if (fromUrl === toUrl && target === flags.from) throw new UsageError('--from and --to name the same collection in the same store: pass --to-collection NAME');
  if (toUrl !== undefined && !isPostgresUrl(toUrl)) throw new UsageError(`--to must be postgres://… or lancedb, got "${flags.to}"`);
  const info = (await listCollections(home, fromUrl)).find((c) => c.name === checkCollectionName(flags.from));
  if (!info) throw new CollectionNotFoundError(`unknown collection "${flags.from}" in ${describeUrl(fromUrl)}`, { input: flags.from });
  if ((await listCollections(home, toUrl)).some((c) => c.name === target)) {
    throw new UsageError(`collection "${target}" already exists in ${describeUrl(toUrl)}: remove it first or pass --to-collection NEW_NAME`);
  }
  const source = await openStore({ home, url: fromUrl, collection: info.name, embedderId: info.embedderId, dimension: info.dimension, create: false });
  let created = false;
  try {
    const chunks = await readChunks(source, home);
    const expected = totals(await source.documents());
    const destination = await openStore({ home, url: toUrl, collection: target, embedderId: info.embedderId, dimension: info.dimension, create: true });
    created = true;
    try {
      await destination.write({ upsert: chunks, removeDocIds: [] });
      await inject.afterWrite?.(destination); // failure injection for tests
      const actual = totals(await destination.documents());
      if (actual.documents !== expected.documents || actual.chunks !== expected.chunks) {
        throw new StoreError(`copy of "${info.name}" is incomplete: source has ${expected.documents} documents / ${expected.chunks} chunks, target ${actual.documents} / ${actual.chunks}; target removed`, { input: target });
      }
      return { from: { store: describeUrl(fromUrl), collection: info.name }, to: { store: describeUrl(toUrl), collection: target }, ...actual };
    } finally {
      await destination.dispose();
    }
  } catch (error) {
    if (created) await deleteCollection(home, target, toUrl).catch(() => {});
    throw error;
  } finally {
    await source.dispose();
  }
}

export function registerCollectionsCopy(program: Command): void {
  const collections = program.commands.find((c) => c.name() === 'collections') ?? program.command('collections');
  collections
    .command('copy')
    .description('copy a collection with its vectors between the embedded store and Postgres, verifying document and chunk counts')
    .requiredOption('--from <name>', 'collection to copy')
    .option('--from-store <url>', 'store holding it (default: the embedded store)')
    .requiredOption('--to <url>', 'target store: postgres://… or lancedb')
    .option('--to-collection <name>', 'name in the target store (default: the same name)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  attune collections copy --from handbook --to postgres://attune:secret@db:5432/attune\n  attune collections copy --from handbook --from-store postgres://attune:secret@db:5432/attune --to lancedb --to-collection handbook-local')
    .action(async (flags: CopyFlags, command: Command) => {
      const result = await copyCollection(cliContext(command).home, flags);
      output(flags.json, result, () => `copied ${result.documents} documents, ${result.chunks} chunks: ${result.from.store}/${result.from.collection} → ${result.to.store}/${result.to.collection}`);
    });
}
