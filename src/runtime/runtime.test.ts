import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { ModelError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { MemoryStore } from '../testing/memory-store.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { lanceCache, type LanceStore } from '../store/lance-store.ts';
import { createRuntime, type RuntimeFactories } from './runtime.ts';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});
function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'attune-runtime-'));
  homes.push(dir);
  return dir;
}

/** The kit's backends, counting what is created and logging each dispose; `fail` injects failures. */
function kit(fail: { generator?: Error; disposeOf?: string } = {}) {
  const created: string[] = [];
  const disposed: string[] = [];
  const adapters: Record<string, string>[] = [];
  const added: string[] = [];
  const track = <T extends { dispose(): Promise<void> }>(label: string, value: T): T => {
    created.push(label);
    const dispose = value.dispose.bind(value);
    value.dispose = async () => {
      disposed.push(label);
      await dispose();
      if (fail.disposeOf === label) throw new Error(`${label} failed to dispose`);
    };
    return value;
  };
  const factories: RuntimeFactories = {
    async embedder() {
      await new Promise((resolve) => setTimeout(resolve, 5)); // a slow load: concurrent first uses overlap
      return track('embedder', hashingEmbedder());
    },
    async generator(config, options) {
      adapters.push(options.adapters);
      if (fail.generator) throw fail.generator;
      const generator = scriptedGenerator('ok', {
        id: config.generator.provider === 'openai' ? config.generator.model : 'kit',
      }) as Generator & { addAdapter?: (name: string) => void };
      generator.addAdapter = (name) => added.push(name);
      return track(`generator:${generator.id}`, generator);
    },
    async store(options) {
      return track(
        `store:${options.collection}`,
        new MemoryStore({ collection: options.collection, dimension: options.dimension }),
      );
    },
  };
  return { factories, created, disposed, adapters, added };
}

describe('Runtime on the kit', () => {
  it('creates nothing until first use, then one shared instance, even for concurrent first uses', async () => {
    const { factories, created } = kit();
    const runtime = createRuntime({ config: parseConfig({}), home: home(), factories });
    expect(created).toEqual([]);
    const [a, b, storeA, storeB, generator] = await Promise.all([
      runtime.embedder(),
      runtime.embedder(),
      runtime.store('docs'),
      runtime.store('docs'),
      runtime.generator(),
    ]);
    expect(a).toBe(b);
    expect(storeA).toBe(storeB);
    expect(await runtime.generator()).toBe(generator);
    expect((await runtime.collection('docs')).store).toBe(storeA);
    expect(created.sort()).toEqual(['embedder', 'generator:kit', 'store:docs']);
    await runtime.dispose();
  });

  it('disposes what it created, newest first, with await using semantics', async () => {
    const { factories, disposed } = kit();
    const runtime = createRuntime({ config: parseConfig({}), home: home(), factories });
    await runtime.embedder();
    await runtime.generator();
    await runtime.store('first');
    await runtime.store('second');
    await runtime[Symbol.asyncDispose]();
    expect(disposed).toEqual(['store:second', 'store:first', 'generator:kit', 'embedder']);
    await expect(runtime.embedder()).rejects.toThrow(/disposed/);
  });

  it('disposes the store and embedder when the generator fails to load, and retries the generator on the next use', async () => {
    const { factories, created, disposed } = kit({ generator: new ModelError('model file not found') });
    const runtime = createRuntime({ config: parseConfig({}), home: home(), factories });
    await expect(Promise.all([runtime.collection('docs'), runtime.generator()])).rejects.toThrow(
      'model file not found',
    );
    await expect(runtime.generator()).rejects.toThrow('model file not found');
    await runtime.dispose();
    expect(created.sort()).toEqual(['embedder', 'store:docs']);
    expect(disposed).toEqual(['store:docs', 'embedder']);
  });

  it('goes on disposing when one dispose throws, then reports it', async () => {
    const { factories, disposed } = kit({ disposeOf: 'store:docs' });
    const runtime = createRuntime({ config: parseConfig({}), home: home(), factories });
    await runtime.store('docs');
    await runtime.generator();
    await expect(runtime.dispose()).rejects.toThrow('store:docs failed to dispose');
    expect(disposed).toEqual(['generator:kit', 'store:docs', 'embedder']);
  });

  it("gives another home's runtime the same models, and disposes only its own stores", async () => {
    const { factories, created, disposed } = kit();
    const server = createRuntime({ config: parseConfig({}), home: home(), factories });
    const generator = await server.generator();
    const compare = server.forHome(home());
    expect(await compare.generator()).toBe(generator);
    expect(await compare.embedder()).toBe(await server.embedder());
    expect(await compare.store('corpus')).not.toBe(await server.store('corpus'));
    await compare.dispose();
    expect(disposed).toEqual(['store:corpus']);
    expect(created.filter((label) => label === 'embedder' || label.startsWith('generator'))).toEqual([
      'generator:kit',
      'embedder',
    ]);
    await server.dispose();
    expect(disposed).toEqual(['store:corpus', 'store:corpus', 'embedder', 'generator:kit']);
  });

  it("resolves adapters by name or path, loads the home's with the generator and adds later ones", async () => {
    const dir = home();
    mkdirSync(join(dir, 'adapters', 'faq'), { recursive: true });
    writeFileSync(join(dir, 'adapters', 'faq', 'adapter.gguf'), 'gguf');
    const file = join(dir, 'loose.gguf');
    writeFileSync(file, 'gguf');
    const { factories, adapters, added } = kit();
    const runtime = createRuntime({ config: parseConfig({}), home: dir, factories });
    expect(runtime.resolveAdapter('faq')).toBe('faq');
    expect(() => runtime.resolveAdapter('missing')).toThrow(ModelError);
    await runtime.generator();
    expect(adapters).toEqual([{ faq: join(dir, 'adapters', 'faq', 'adapter.gguf') }]);
    runtime.resolveAdapter(file);
    await runtime.generator();
    expect(added).toEqual([file]);
    // a judge is another generator, created once per configuration, and disposed with the runtime
    const judge = { provider: 'openai' as const, model: 'judge', baseURL: 'http://127.0.0.1:9/v1' };
    expect(await runtime.generatorFor(judge)).toBe(await runtime.generatorFor(judge));
    await runtime.dispose();
  });
});

const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('Runtime with await using', () => {
  // Node 22 cannot parse `await using`: the fixture is imported only where it runs
  it.runIf(nodeMajor >= 24)('disposes the collection and embedder when the block throws', async () => {
    const { openThenFail } = await import('./await-using.fixture.ts');
    const { factories, disposed } = kit();
    await expect(openThenFail({ config: parseConfig({}), home: home(), factories })).rejects.toThrow(
      'failed after opening the collection',
    );
    expect(disposed).toEqual(['store:docs', 'embedder']);
  });

  it('withRuntime disposes after a failure and keeps the failure, not a dispose error', async () => {
    const { withRuntime } = await import('./runtime.ts');
    const { factories, disposed } = kit({ disposeOf: 'embedder' });
    await expect(
      withRuntime({ config: parseConfig({}), home: home(), factories }, async (runtime) => {
        await runtime.store('docs');
        throw new ModelError('the model failed');
      }),
    ).rejects.toThrow('the model failed');
    expect(disposed).toEqual(['store:docs', 'embedder']);
  });
});

describe('Runtime with the embedded store', () => {
  it('opens collections with the cache bound of config storeCacheMB', async () => {
    const runtime = createRuntime({
      config: parseConfig({ storeCacheMB: 8 }),
      home: home(),
      factories: { embedder: async () => hashingEmbedder() },
    });
    try {
      const store = (await runtime.store('docs', { create: true })) as LanceStore;
      expect(store.cacheBounds).toEqual(lanceCache(8));
    } finally {
      await runtime.dispose();
    }
  });
});
