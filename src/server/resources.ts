import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { adapterGgufPath, createEmbedder, createGenerator } from '../config/runtime.ts';
import type { Embedder } from '../embed/embedder.ts';
import { ModelError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import { deleteCollection, listCollections, openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';

/**
 * The server's long-lived resources, created on first use and shared by every request:
 * one embedder, one generator (with every registered adapter), one open store per collection.
 */
export interface ServerResources {
  readonly home: string;
  readonly config: Config;
  /** The environment the configuration reads (model folder, endpoint keys). */
  readonly env: NodeJS.ProcessEnv;
  embedder(): Promise<Embedder>;
  generator(): Promise<Generator>;
  /** Whether generator() was called (and did not fail): listing adapters does not start the model. */
  generatorStarted?(): boolean;
  /** Opens (or with `create`, makes) a collection; throws CollectionNotFoundError. */
  store(collection: string, options?: { create?: boolean }): Promise<Store>;
  collections(): Promise<string[]>;
  deleteCollection(collection: string): Promise<void>;
  /** Adapter names registered under <home>/adapters/<name>/adapter.gguf. */
  adapters(): string[];
  dispose(): Promise<void>;
}

export function listAdapters(home: string): string[] {
  const dir = join(home, 'adapters');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(adapterGgufPath(home, entry.name)))
    .map((entry) => entry.name)
    .sort();
}

export function createResources(config: Config, home: string, env: NodeJS.ProcessEnv = process.env): ServerResources {
  let embedder: Promise<Embedder> | undefined;
  let generator: Promise<Generator> | undefined;
  const stores = new Map<string, Promise<Store>>();

  const resources: ServerResources = {
    home,
    config,
    env,
    embedder() {
      embedder ??= createEmbedder(config, env);
      embedder.catch(() => (embedder = undefined));
      return embedder;
    },
    async generator() {
      generator ??= createGenerator(config, { env, adapters: Object.fromEntries(listAdapters(home).map((name) => [name, adapterGgufPath(home, name)])) });
      generator.catch(() => (generator = undefined));
      const loaded = await generator;
      // adapters trained while the server runs are registered on first use
      const add = (loaded as Generator & { addAdapter?: (name: string, path: string) => void }).addAdapter;
      if (add) for (const name of listAdapters(home)) add.call(loaded, name, adapterGgufPath(home, name));
      return loaded;
    },
    generatorStarted: () => generator !== undefined,
    async store(collection, options = {}) {
      let store = stores.get(collection);
      if (!store) {
        const { id, dimension } = await resources.embedder();
        store = openStore({ home, collection, url: config.store, embedderId: id, dimension, create: options.create ?? false });
        stores.set(collection, store);
        store.catch(() => stores.delete(collection));
      }
      return store;
    },
    async collections() {
      return (await listCollections(home, config.store)).map((c) => c.name).sort();
    },
    async deleteCollection(collection) {
      const open = stores.get(collection);
      stores.delete(collection);
      if (open) await (await open.catch(() => undefined))?.dispose();
      await deleteCollection(home, collection, config.store);
    },
    adapters: () => listAdapters(home),
    async dispose() {
      for (const store of stores.values()) await (await store.catch(() => undefined))?.dispose();
      stores.clear();
      await (await generator?.catch(() => undefined))?.dispose();
      await (await embedder?.catch(() => undefined))?.dispose();
    },
  };
  return resources;
}

export function requireAdapter(resources: ServerResources, name: string): void {
  if (!resources.adapters().includes(name)) throw new ModelError(`unknown adapter "${name}" (see GET /v1/adapters)`);
}
