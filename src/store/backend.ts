import { StoreError, UsageError } from '../errors.ts';
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
  /** The embedded store's cache bound per collection, MiB (config `storeCacheMB`; default 160). */
  cacheMB?: number;
}

export interface CollectionInfo {
  name: string;
  embedderId: string;
  dimension: number;
  createdAt: string;
}

/**
 * A store backend: adding one is a new file plus one entry in `storeBackends` (open.ts). A backend
 * file loads its driver when first used, so that listing commands stays cheap to start.
 */
export interface StoreBackend {
  matches(url: string | undefined): boolean;
  open(options: OpenStoreOptions): Promise<Store>;
  list(home: string, url: string | undefined): Promise<CollectionInfo[]>;
  remove(home: string, name: string, url: string | undefined): Promise<boolean>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkCollectionName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) {
    throw new UsageError(
      `invalid collection name "${name}": use letters, digits, '_', '-' and '.', at most 64 characters`,
    );
  }
  return name;
}

export function checkCompatible(
  info: CollectionInfo,
  options: Pick<OpenStoreOptions, 'embedderId' | 'dimension' | 'collection'>,
): void {
  if (info.embedderId !== options.embedderId || info.dimension !== options.dimension) {
    throw new StoreError(
      `collection "${options.collection}" was embedded with ${info.embedderId} (${info.dimension}-d) but the configured embedder is ${options.embedderId} (${options.dimension}-d): use the same embedder (a tuned one by \`--embedder NAME\`, see \`attune models list\`) or re-ingest into a new collection`,
      { input: options.collection },
    );
  }
}
