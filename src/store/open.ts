import { UsageError } from '../errors.ts';
import { checkCollectionName, type CollectionInfo, type OpenStoreOptions, type StoreBackend } from './backend.ts';
import { lanceBackend } from './lance-backend.ts';
import { postgresBackend } from './postgres/postgres-backend.ts';
import type { Store } from './store.ts';

export {
  checkCollectionName,
  checkCompatible,
  type CollectionInfo,
  type OpenStoreOptions,
  type StoreBackend,
} from './backend.ts';

/** Backends by URL, first match wins; the embedded store is the default. */
export const storeBackends: StoreBackend[] = [lanceBackend, postgresBackend];

/** Whether some backend serves this URL (undefined: the embedded default). */
export function isStoreUrl(url: string | undefined): boolean {
  return storeBackends.some((b) => b.matches(url));
}

function backendFor(url: string | undefined): StoreBackend {
  const backend = storeBackends.find((b) => b.matches(url));
  if (!backend)
    throw new UsageError(
      `no store backend for "${url}" (supported: lancedb — the default, embedded under --home — and postgres://)`,
    );
  return backend;
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
