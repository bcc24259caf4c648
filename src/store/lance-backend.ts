import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { collectionDir } from '../paths.ts';
import { CollectionNotFoundError } from '../errors.ts';
import { checkCompatible, type CollectionInfo, type StoreBackend } from './backend.ts';
import type { Store } from './store.ts';

/** LanceDB itself loads only when a collection is opened (listing reads collection.json files). */
async function openLance(dir: string, collection: string, dimension: number, cacheMB?: number): Promise<Store> {
  const { LanceStore, lanceCache } = await import('./lance-store.ts');
  return LanceStore.open({ dir, collection, dimension, ...(cacheMB ? { cacheBytes: lanceCache(cacheMB) } : {}) });
}

/** The embedded store: one folder per collection under `<home>/collections/`, described by collection.json. */
export const lanceBackend: StoreBackend = {
  matches: (url) => url === undefined || url === 'lancedb:' || url === 'lancedb',
  async open(options) {
    const dir = collectionDir(options.home, options.collection);
    const infoPath = join(dir, 'collection.json');
    let info: CollectionInfo;
    if (existsSync(infoPath)) {
      info = JSON.parse(await readFile(infoPath, 'utf8')) as CollectionInfo;
    } else if (options.create) {
      info = {
        name: options.collection,
        embedderId: options.embedderId,
        dimension: options.dimension,
        createdAt: new Date().toISOString(),
      };
      await mkdir(dir, { recursive: true });
      await writeFile(`${infoPath}.partial`, JSON.stringify(info, null, 2));
      await rename(`${infoPath}.partial`, infoPath);
    } else {
      const known = (await lanceBackend.list(options.home, undefined)).map((c) => c.name);
      throw new CollectionNotFoundError(
        `unknown collection "${options.collection}": ingest into it first (known: ${known.join(', ') || 'none'})`,
        { input: options.collection },
      );
    }
    checkCompatible(info, options);
    return openLance(dir, options.collection, info.dimension, options.cacheMB);
  },
  async list(home) {
    const root = join(home, 'collections');
    if (!existsSync(root)) return [];
    const infos: CollectionInfo[] = [];
    for (const name of (await readdir(root)).sort()) {
      const path = join(root, name, 'collection.json');
      if (existsSync(path)) infos.push(JSON.parse(await readFile(path, 'utf8')) as CollectionInfo);
    }
    return infos;
  },
  async remove(home, name) {
    const dir = collectionDir(home, name);
    if (!existsSync(dir)) return false;
    // rename first so a crash mid-delete never leaves a half-deleted collection visible
    const doomed = `${dir}.deleting-${process.pid}`;
    await rename(dir, doomed);
    await rm(doomed, { recursive: true, force: true });
    return true;
  },
};

/** An embedded collection by its folder (…/collections/NAME, holding collection.json), also one moved out of its home. */
export async function openCollectionFolder(
  folder: string,
): Promise<{ store: Store; info: CollectionInfo; dir: string }> {
  const dir = resolve(folder);
  const infoPath = join(dir, 'collection.json');
  if (!existsSync(infoPath)) {
    throw new CollectionNotFoundError(
      `${dir} is not an attune collection folder (no collection.json): pass the folder under <home>/collections/ or a collection name`,
      { input: folder },
    );
  }
  const info = JSON.parse(await readFile(infoPath, 'utf8')) as CollectionInfo;
  return { store: await openLance(dir, info.name ?? basename(dir), info.dimension), info, dir };
}
