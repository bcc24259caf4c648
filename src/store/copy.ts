import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Embedder } from '../embed/embedder.ts';
import { collectionDir } from '../paths.ts';
import { CollectionNotFoundError, StoreError, UsageError } from '../errors.ts';
import type { ChunkRecord, DocumentRecord } from '../types.ts';
import { checkCollectionName, type CollectionInfo } from './backend.ts';
import { openCollectionFolder } from './lance-backend.ts';
import { deleteCollection, isStoreUrl, listCollections, openStore } from './open.ts';
import type { Store } from './store.ts';
import { redactUrl } from '../io/redact-url.ts';

export interface CopyOptions {
  home: string;
  /** The collection: its name in `fromUrl`, or (embedded store) its folder, …/collections/NAME. */
  from: string;
  /** The store holding it; undefined or `lancedb`: the embedded store under `home`. */
  fromUrl?: string;
  /** The target store; undefined or `lancedb`: the embedded store under `home`. */
  toUrl?: string;
  /** The name in the target store (default: the same name). */
  toCollection?: string;
  /**
   * Re-embed every chunk with this embedder on the way (`attune collections reembed`): the target records its id
   * and dimension, so it opens with that embedder only. Omitted: the vectors are copied as they are.
   */
  embedder?: Embedder;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Failure injection for tests: runs after the write, before the counts are checked. */
  afterWrite?: (target: Store) => Promise<void>;
}

export interface CopyResult {
  from: { store: string; collection: string };
  to: { store: string; collection: string };
  documents: number;
  chunks: number;
}

/** A store URL as printed: `lancedb` for the embedded store, a password never shown. */
export function describeStoreUrl(url: string | undefined): string {
  return url ? redactUrl(url) : 'lancedb';
}

/** `lancedb` and `lancedb:` name the embedded store, as an omitted URL does. */
const embeddedAsUndefined = (url: string | undefined) =>
  url === undefined || url === 'lancedb' || url === 'lancedb:' ? undefined : url;

const isFolder = (from: string) => /[\\/]/.test(from) || from === '.' || existsSync(join(from, 'collection.json'));

async function openSource(
  home: string,
  from: string,
  fromUrl: string | undefined,
): Promise<{ store: Store; info: CollectionInfo; dir: string }> {
  if (fromUrl === undefined && isFolder(from)) return openCollectionFolder(from);
  const info = (await listCollections(home, fromUrl)).find((c) => c.name === checkCollectionName(from));
  if (!info)
    throw new CollectionNotFoundError(`unknown collection "${from}" in ${describeStoreUrl(fromUrl)}`, { input: from });
  const store = await openStore({
    home,
    url: fromUrl,
    collection: info.name,
    embedderId: info.embedderId,
    dimension: info.dimension,
    create: false,
  });
  return { store, info, dir: collectionDir(home, info.name) };
}

const totals = (docs: DocumentRecord[]) => ({ documents: docs.length, chunks: docs.reduce((n, d) => n + d.chunks, 0) });

/**
 * Copies one collection between stores (embedded ⇄ Postgres, or within one under a new name) with
 * its vectors, through the Store interface only, then verifies the document and chunk counts. The
 * chunks are written in one write: a page boundary may split a document, and a write replaces
 * every chunk of the documents it touches. A failed copy removes the half-made target.
 */
export async function copyCollection(options: CopyOptions): Promise<CopyResult> {
  const { home } = options;
  const [fromUrl, toUrl] = [embeddedAsUndefined(options.fromUrl), embeddedAsUndefined(options.toUrl)];
  if (!isStoreUrl(toUrl)) throw new UsageError(`--to must be postgres://… or lancedb, got "${toUrl}"`);
  const { store: source, info, dir } = await openSource(home, options.from, fromUrl);
  let created = false;
  let target = info.name;
  try {
    target = checkCollectionName(options.toCollection ?? info.name);
    const sameStore =
      fromUrl === toUrl &&
      (fromUrl === undefined ? resolve(dir) === resolve(collectionDir(home, target)) : target === info.name);
    if (sameStore)
      throw new UsageError('--from and --to name the same collection in the same store: pass --to-collection NAME');
    if ((await listCollections(home, toUrl)).some((c) => c.name === target)) {
      throw new UsageError(
        `collection "${target}" already exists in ${describeStoreUrl(toUrl)}: remove it first or pass --to-collection NEW_NAME`,
      );
    }
    const chunks: ChunkRecord[] = [];
    for await (const page of source.exportChunks()) chunks.push(...page);
    if (options.embedder) await reembed(chunks, options.embedder, options);
    const expected = totals(await source.documents());
    const destination = await openStore({
      home,
      url: toUrl,
      collection: target,
      embedderId: options.embedder?.id ?? info.embedderId,
      dimension: options.embedder?.dimension ?? info.dimension,
      create: true,
    });
    created = true;
    try {
      await destination.write({ upsert: chunks, removeDocIds: [] });
      await options.afterWrite?.(destination);
      const actual = totals(await destination.documents());
      if (actual.documents !== expected.documents || actual.chunks !== expected.chunks) {
        throw new StoreError(
          `copy of "${info.name}" is incomplete: source has ${expected.documents} documents / ${expected.chunks} chunks, target ${actual.documents} / ${actual.chunks}; target removed`,
          { input: target },
        );
      }
      return {
        from: { store: describeStoreUrl(fromUrl), collection: info.name },
        to: { store: describeStoreUrl(toUrl), collection: target },
        ...actual,
      };
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

/** Replaces every chunk's vector with the embedder's, in batches (before anything is written). */
async function reembed(
  chunks: ChunkRecord[],
  embedder: Embedder,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
): Promise<void> {
  for (let start = 0; start < chunks.length; start += 64) {
    const batch = chunks.slice(start, start + 64);
    const vectors = await embedder.embed(
      batch.map((chunk) => chunk.text),
      { signal: options.signal },
    );
    batch.forEach((chunk, i) => (chunk.vector = vectors[i]!));
    options.onProgress?.(start + batch.length, chunks.length);
  }
}
