import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { ModelError, UsageError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import { createRuntime, type RuntimeFactories } from '../runtime/runtime.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { MemoryStore } from '../testing/memory-store.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { buildEvalResources } from './build-strategies.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-eval-resources-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function kitRuntime() {
  const generators: Generator[] = [];
  const factories: RuntimeFactories = {
    embedder: async () => hashingEmbedder(),
    generator: async (config) => {
      const generator = scriptedGenerator('Paris.', { id: config.generator.model ?? 'kit' });
      generators.push(generator);
      return generator;
    },
    store: async (options) => new MemoryStore(options),
  };
  return { runtime: createRuntime({ config: parseConfig({}), home, factories }), generators };
}

describe('buildEvalResources on the runtime', () => {
  it("builds the run's strategies on one generator and one collection, the judge being a second generator", async () => {
    const { runtime, generators } = kitRuntime();
    try {
      const resources = await buildEvalResources(runtime, {
        strategies: ['base', 'rag'],
        collection: 'docs',
        adapters: {},
        maxTokens: 8,
        judge: { baseURL: 'http://127.0.0.1:9/v1', model: 'judge' },
      });
      expect(resources.strategies.map((s) => s.name)).toEqual(['base', 'rag']);
      expect(resources.store).toBe(await runtime.store('docs'));
      expect(resources.generator).toBe(generators[0]);
      expect(resources.judge?.id).toBe('judge');
      expect(generators).toHaveLength(2);
      const self = await buildEvalResources(runtime, {
        strategies: ['base'],
        adapters: {},
        maxTokens: 8,
        judge: { self: true },
      });
      expect(self.judge).toBe(resources.generator);
      expect(generators).toHaveLength(2);
    } finally {
      await runtime.dispose();
    }
  });

  it('refuses what the catalog says a strategy needs, before loading a model', async () => {
    const { runtime, generators } = kitRuntime();
    await expect(buildEvalResources(runtime, { strategies: ['rag'], adapters: {}, maxTokens: 8 })).rejects.toThrow(
      UsageError,
    );
    await expect(buildEvalResources(runtime, { strategies: ['ft'], adapters: {}, maxTokens: 8 })).rejects.toThrow(
      'strategy ft needs an adapter: pass --adapter ft=NAME',
    );
    await expect(
      buildEvalResources(runtime, {
        strategies: ['raft'],
        collection: 'docs',
        adapters: { raft: 'missing' },
        maxTokens: 8,
      }),
    ).rejects.toThrow(ModelError);
    expect(generators).toHaveLength(0);
    await runtime.dispose();
  });
});
