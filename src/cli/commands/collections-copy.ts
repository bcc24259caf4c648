import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Command } from 'commander';
import { collectionDir } from '../../config/paths.ts';
import { CollectionNotFoundError, StoreError, UsageError } from '../../errors.ts';
import { LanceStore } from '../../store/lance-store.ts';
import { checkCollectionName, deleteCollection, listCollections, openStore, type CollectionInfo } from '../../store/open.ts';
import { isPostgresUrl } from '../../store/postgres/postgres-backend.ts';
import { PostgresStore } from '../../store/postgres/postgres-store.ts';
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

/** Every chunk of a collection with its vector: PostgresStore pages through SQL, LanceDB reads its table in `dir`. */
async function readChunks(store: Store, dir: string): Promise<ChunkRecord[]> {
  if (store instanceof PostgresStore) {
    const all: ChunkRecord[] = [];
    for await (const page of store.exportChunks()) all.push(...page);
    return all;
  }
  const connection = await lancedb.connect(dir);
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
const isFolder = (from: string) => /[\\/]/.test(from) || from === '.' || existsSync(join(from, 'collection.json'));

/**
 * The collection to copy: a folder of an embedded collection (…/collections/NAME, holding
 * collection.json), or a collection name in `fromUrl` (the embedded store under `home` when omitted).
 */
async function openSource(home: string, from: string, fromUrl: string | undefined): Promise<{ store: Store; info: CollectionInfo; dir: string }> {
  if (fromUrl === undefined && isFolder(from)) {
    const dir = resolve(from);
    const infoPath = join(dir, 'collection.json');
    if (!existsSync(infoPath)) throw new CollectionNotFoundError(`${dir} is not an attune collection folder (no collection.json): pass the folder under <home>/collections/ or a collection name`, { input: from });
    const info = JSON.parse(readFileSync(infoPath, 'utf8')) as CollectionInfo;
    return { store: await LanceStore.open({ dir, collection: info.name ?? basename(dir), dimension: info.dimension }), info, dir };
  }
  const info = (await listCollections(home, fromUrl)).find((c) => c.name === checkCollectionName(from));
  if (!info) throw new CollectionNotFoundError(`unknown collection "${from}" in ${describeUrl(fromUrl)}`, { input: from });
  const store = await openStore({ home, url: fromUrl, collection: info.name, embedderId: info.embedderId, dimension: info.dimension, create: false });
  return { store, info, dir: collectionDir(home, info.name) };
}

/** Copies one collection between stores (embedded ⇄ Postgres) with its vectors, then verifies the counts. */
export async function copyCollection(home: string, flags: CopyFlags, inject: { afterWrite?: (target: Store) => Promise<void> } = {}) {
  const fromUrl = storeUrl(flags.fromStore);
  const toUrl = storeUrl(flags.to);
  if (toUrl !== undefined && !isPostgresUrl(toUrl)) throw new UsageError(`--to must be postgres://… or lancedb, got "${flags.to}"`);
  const { store: source, info, dir } = await openSource(home, flags.from, fromUrl);
  let created = false;
  let target = info.name;
  try {
    target = checkCollectionName(flags.toCollection ?? info.name);
    const sameStore = fromUrl === toUrl && (fromUrl === undefined ? resolve(dir) === resolve(collectionDir(home, target)) : target === info.name);
    if (sameStore) throw new UsageError('--from and --to name the same collection in the same store: pass --to-collection NAME');
    if ((await listCollections(home, toUrl)).some((c) => c.name === target)) {
      throw new UsageError(`collection "${target}" already exists in ${describeUrl(toUrl)}: remove it first or pass --to-collection NEW_NAME`);
    }
    const chunks = await readChunks(source, dir);
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
    .requiredOption('--from <name|dir>', 'collection to copy: its name, or its folder (…/collections/NAME) in the embedded store')
    .option('--from-store <url>', 'store holding it (default: the embedded store)')
    .requiredOption('--to <url>', 'target store: postgres://… or lancedb')
    .option('--to-collection <name>', 'name in the target store (default: the same name)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  attune collections copy --from handbook --to postgres://attune:secret@db:5432/attune\n  attune collections copy --from ./.attune/collections/handbook --to postgres://attune:secret@db:5432/attune\n  attune collections copy --from handbook --from-store postgres://attune:secret@db:5432/attune --to lancedb --to-collection handbook-local')
    .action(async (flags: CopyFlags, command: Command) => {
      const result = await copyCollection(cliContext(command).home, flags);
      output(flags.json, result, () => `copied ${result.documents} documents, ${result.chunks} chunks: ${result.from.store}/${result.from.collection} → ${result.to.store}/${result.to.collection}`);
    });
}
