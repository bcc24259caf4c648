import { existsSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import type { Embedder } from '../embed/embedder.ts';
import { AttuneError, ModelError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import { llmReranker } from '../retrieve/llm-reranker.ts';
import type { Reranker } from '../retrieve/reranker.ts';
import type { OpenStoreOptions } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { adapterGgufPath, adapterNames } from './adapters.ts';

/** How the runtime makes each backend; tests pass the kit's (or a failing one) instead. */
export interface RuntimeFactories {
  embedder(config: Config, env: NodeJS.ProcessEnv): Promise<Embedder>;
  generator(config: Config, options: { env: NodeJS.ProcessEnv; adapters: Record<string, string> }): Promise<Generator>;
  store(options: OpenStoreOptions): Promise<Store>;
}

// the backends (ONNX runtime, llama.cpp, LanceDB, pg) load on first use, so a command that needs none starts fast
const backends = () => import('./backends.ts');
const stores = () => import('../store/open.ts');
const DEFAULT_FACTORIES: RuntimeFactories = {
  embedder: async (config, env) => (await backends()).createEmbedder(config, env),
  generator: async (config, options) => (await backends()).createGenerator(config, options),
  store: async (options) => (await stores()).openStore(options),
};

export interface RuntimeOptions {
  config: Config;
  /** The state folder: collections, adapters. */
  home: string;
  env?: NodeJS.ProcessEnv;
  factories?: Partial<RuntimeFactories>;
}

type Disposable = { dispose(): Promise<void> };
/** A generator that can take an adapter after loading (LlamaGenerator). */
type AdapterHost = Generator & { addAdapter?: (name: string, path: string) => void };

/**
 * The models and stores of one process (a CLI command, the server, the MCP server), created on first use and
 * shared: one embedder, one generator with every adapter of the home, one open store per collection, a judge
 * per other model. Concurrent first uses share one creation; a failed creation is forgotten, so the next use
 * retries. Disposing it (`await using runtime = createRuntime(…)`) disposes what it created, newest first, and
 * goes on when one dispose throws. `forHome` gives a runtime over another home that borrows these models
 * (a compare started by the server) and disposes only its own stores.
 */
export class Runtime implements AsyncDisposable {
  readonly config: Config;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly #factories: RuntimeFactories;
  readonly #parent: Runtime | undefined;
  /** What this runtime created and must dispose, in creation order. */
  readonly #owned: Disposable[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  readonly #cells = new Map<string, Promise<unknown>>();
  /** Adapters registered by name → GGUF file, beyond those under <home>/adapters. */
  readonly #adapters = new Map<string, string>();
  readonly #added = new Set<string>();
  #disposed = false;

  constructor(options: RuntimeOptions & { parent?: Runtime }) {
    this.config = options.config;
    this.home = options.home;
    this.env = options.env ?? process.env;
    this.#factories = { ...DEFAULT_FACTORIES, ...options.factories };
    this.#parent = options.parent;
  }

  /** Memoised creation of one resource, disposed with the runtime when `owned`. */
  #cell<T>(key: string, make: () => Promise<T>, owned: (value: T) => Disposable | undefined): Promise<T> {
    const known = this.#cells.get(key) as Promise<T> | undefined;
    if (known) return known;
    if (this.#disposed)
      return Promise.reject(new AttuneError('the runtime is disposed: nothing more can be created in it'));
    const created = make().then((value) => {
      const disposable = owned(value);
      if (disposable) this.#owned.push(disposable);
      return value;
    });
    this.#cells.set(key, created);
    this.#pending.add(created);
    const settle = () => this.#pending.delete(created);
    created.then(settle, () => {
      settle();
      if (this.#cells.get(key) === created) this.#cells.delete(key);
    });
    return created;
  }

  embedder(): Promise<Embedder> {
    if (this.#parent) return this.#parent.embedder();
    return this.#cell(
      'embedder',
      () => this.#factories.embedder(this.config, this.env),
      (embedder) => embedder,
    );
  }

  /** Another embedder (a tuned one), one per configuration, disposed with the runtime. */
  embedderFor(spec: Config['embedder']): Promise<Embedder> {
    if (this.#parent) return this.#parent.embedderFor(spec);
    return this.#cell(
      `embedder:${JSON.stringify(spec)}`,
      () => this.#factories.embedder({ ...this.config, embedder: spec }, this.env),
      (embedder) => embedder,
    );
  }

  /** Whether the generator has been asked for (and not failed): listing adapters does not start the model. */
  generatorStarted(): boolean {
    return this.#parent ? this.#parent.generatorStarted() : this.#cells.has('generator');
  }

  /** The configured generator with every adapter of the home and every registered one (adapters trained meanwhile are added on use). */
  async generator(): Promise<Generator> {
    if (this.#parent) return this.#parent.generator();
    const generator = await this.#cell(
      'generator',
      () => {
        const adapters = this.#knownAdapters();
        for (const name of Object.keys(adapters)) this.#added.add(name);
        return this.#factories.generator(this.config, { env: this.env, adapters });
      },
      (created) => created,
    );
    const host = generator as AdapterHost;
    if (host.addAdapter) {
      for (const [name, path] of Object.entries(this.#knownAdapters())) {
        if (this.#added.has(name)) continue;
        host.addAdapter(name, path);
        this.#added.add(name);
      }
    }
    return generator;
  }

  /** Another generator (a judge), one per configuration, disposed with the runtime. */
  generatorFor(spec: Config['generator']): Promise<Generator> {
    return this.#cell(
      `generator:${JSON.stringify(spec)}`,
      () => this.#factories.generator({ ...this.config, generator: spec }, { env: this.env, adapters: {} }),
      (created) => created,
    );
  }

  /** The optional re-ranking stage: pointwise grades from the generator. */
  reranker(): Promise<Reranker> {
    return this.#cell(
      'reranker',
      async () => llmReranker(await this.generator()),
      () => undefined,
    );
  }

  /**
   * What a search passes to `retrieve()` for re-ranking: the reranker and its candidate count when
   * `retrieval.rerank` is on (config or `--rerank`), or when a request asks for it; nothing otherwise.
   */
  async rerankOptions(requested?: boolean): Promise<{ reranker?: Reranker; candidates?: number }> {
    if (!(requested ?? this.config.retrieval.rerank)) return {};
    return { reranker: await this.reranker(), candidates: this.config.retrieval.rerankCandidates };
  }

  /**
   * An open collection of this home (with `create`, made when missing), for the runtime's embedder or the one
   * given (a collection re-embedded with a tuned embedder); throws CollectionNotFoundError.
   */
  store(collection: string, options: { create?: boolean; embedder?: Embedder } = {}): Promise<Store> {
    return this.#cell(
      `store:${collection}`,
      async () => {
        const { id, dimension } = options.embedder ?? (await this.embedder());
        return this.#factories.store({
          home: this.home,
          collection,
          url: this.config.store,
          embedderId: id,
          dimension,
          create: options.create ?? false,
          cacheMB: this.config.storeCacheMB,
        });
      },
      (store) => store,
    );
  }

  /** A collection with the embedder it was built with. */
  async collection(name: string, options: { create?: boolean } = {}): Promise<{ store: Store; embedder: Embedder }> {
    const [store, embedder] = await Promise.all([this.store(name, options), this.embedder()]);
    return { store, embedder };
  }

  async collections(): Promise<string[]> {
    return (await (await stores()).listCollections(this.home, this.config.store)).map((c) => c.name).sort();
  }

  /** Closes the collection if open, then deletes it. */
  async deleteCollection(collection: string): Promise<void> {
    const open = this.#cells.get(`store:${collection}`) as Promise<Store> | undefined;
    this.#cells.delete(`store:${collection}`);
    const store = await open?.catch(() => undefined);
    if (store) {
      const index = this.#owned.indexOf(store);
      if (index >= 0) this.#owned.splice(index, 1);
      await store.dispose();
    }
    await (await stores()).deleteCollection(this.home, collection, this.config.store);
  }

  /** Adapter names registered under <home>/adapters/<name>/adapter.gguf. */
  adapters(): string[] {
    return adapterNames(this.home);
  }

  /**
   * An adapter by name (registered under the home) or GGUF path, made known to the generator; returns the name a
   * request uses. Throws ModelError when neither exists.
   */
  resolveAdapter(nameOrPath: string): string {
    const path = existsSync(nameOrPath) ? nameOrPath : adapterGgufPath(this.home, nameOrPath);
    if (!existsSync(path))
      throw new ModelError(`unknown adapter "${nameOrPath}": not found at ${path} (see \`attune adapters list\`)`, {
        input: nameOrPath,
      });
    this.registerAdapter(nameOrPath, path);
    return nameOrPath;
  }

  /** Makes an adapter file known to the generator under a name (now, or when it loads). */
  registerAdapter(name: string, path: string): void {
    if (this.#parent) this.#parent.registerAdapter(name, path);
    else this.#adapters.set(name, path);
  }

  #knownAdapters(): Record<string, string> {
    return {
      ...Object.fromEntries(adapterNames(this.home).map((name) => [name, adapterGgufPath(this.home, name)])),
      ...Object.fromEntries(this.#adapters),
    };
  }

  /** A runtime over another home that borrows this one's models: it opens (and disposes) only its own stores. */
  forHome(home: string): Runtime {
    return new Runtime({ config: this.config, home, env: this.env, factories: this.#factories, parent: this });
  }

  /** Disposes what this runtime created, newest first (stores before the embedder they were opened with); every dispose runs even when one throws. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    await Promise.allSettled([...this.#pending]);
    const errors: unknown[] = [];
    for (const resource of this.#owned.splice(0).reverse()) {
      try {
        await resource.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#cells.clear();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resources failed to dispose`);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

export function createRuntime(options: RuntimeOptions): Runtime {
  return new Runtime(options);
}

/**
 * Runs `use` with a new runtime and disposes it after, whatever happens: `await using` for code that must also
 * run on Node 22 (which lacks the syntax). A dispose failure never hides the error `use` threw.
 */
export async function withRuntime<T>(options: RuntimeOptions, use: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = createRuntime(options);
  let result: T;
  try {
    result = await use(runtime);
  } catch (error) {
    await runtime.dispose().catch(() => {});
    throw error;
  }
  await runtime.dispose();
  return result;
}
