import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectionDir } from '../config/paths.ts';
import { CollectionNotFoundError, StoreError, UsageError } from '../errors.ts';
import { LanceStore } from './lance-store.ts';
import { postgresBackend } from './postgres/postgres-backend.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  home: string;
  collection: string;
  /** Omitted or `lancedb` → embedded LanceDB under the home; `postgres://…` → Postgres. */
  url?: string;
  embedderId: string;
  dimension: number;
  /** Create the collection when it does not exist. */
  create: boolean;
}

export interface CollectionInfo {
  name: string;
  embedderId: string;
  dimension: number;
  createdAt: string;
}

/** A store backend: adding one is a new file plus one entry in `storeBackends`. */
export interface StoreBackend {
  matches(url: string | undefined): boolean;
  open(options: OpenStoreOptions): Promise<Store>;
  list(home: string, url: string | undefined): Promise<CollectionInfo[]>;
  remove(home: string, name: string, url: string | undefined): Promise<boolean>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkCollectionName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new UsageError(`invalid collection name "${name}": use letters, digits, '_', '-' and '.', at most 64 characters`);
  }
  return name;
}

const lanceBackend: StoreBackend = {
  matches: (url) => url === undefined || url === 'lancedb:' || url === 'lancedb',
  async open(options) {
    const dir = collectionDir(options.home, options.collection);
    const infoPath = join(dir, 'collection.json');
    let info: CollectionInfo;
    if (existsSync(infoPath)) {
      info = JSON.parse(await readFile(infoPath, 'utf8')) as CollectionInfo;
    } else if (options.create) {
      info = { name: options.collection, embedderId: options.embedderId, dimension: options.dimension, createdAt: new Date().toISOString() };
      await mkdir(dir, { recursive: true });
      await writeFile(`${infoPath}.partial`, JSON.stringify(info, null, 2));
      await rename(`${infoPath}.partial`, infoPath);
    } else {
      const known = (await lanceBackend.list(options.home, undefined)).map((c) => c.name);
      throw new CollectionNotFoundError(`unknown collection "${options.collection}": ingest into it first (known: ${known.join(', ') || 'none'})`, { input: options.collection });
    }
    checkCompatible(info, options);
    return LanceStore.open({ dir, collection: options.collection, dimension: info.dimension });
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

/** Backends by URL, first match wins; the embedded store is the default. */
export const storeBackends: StoreBackend[] = [lanceBackend, postgresBackend];

function backendFor(url: string | undefined): StoreBackend {
  const backend = storeBackends.find((b) => b.matches(url));
  if (!backend) throw new UsageError(`no store backend for "${url}" (supported: lancedb — the default, embedded under --home — and postgres://)`);
  return backend;
}

export function checkCompatible(info: CollectionInfo, options: Pick<OpenStoreOptions, 'embedderId' | 'dimension' | 'collection'>): void {
  if (info.embedderId !== options.embedderId || info.dimension !== options.dimension) {
    throw new StoreError(
      `collection "${options.collection}" was embedded with ${info.embedderId} (${info.dimension}-d) but the configured embedder is ${options.embedderId} (${options.dimension}-d): use the same embedder or re-ingest into a new collection`,
      { input: options.collection },
    );
  }
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  checkCollectionName(options.collection);
  return backendFor(options.url).open(options);
}

export async function listCollections(home: string, url?: string): Promise<CollectionInfo[]> {
  return backendFor(url).list(home, url);
}

export async function deleteCollection(home: string, name: string, url?: string): Promise<boolean> {
  checkCollectionName(name);
  return backendFor(url).remove(home, name, url);
}
