import { createStrategy, type StrategyName } from '../answer/create-strategy.ts';
import type { Strategy } from '../answer/strategy.ts';
import { TrainerError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import type { CompareOptions } from './options.ts';
import type { openCollectionStore, TrainedAdapter } from './steps.ts';

export type CompareStore = Awaited<ReturnType<typeof openCollectionStore>>;
export type CompareEmbedder = Parameters<typeof openCollectionStore>[3];
export type AdapterKind = 'ft' | 'raft';

export const NEEDS_ADAPTER = new Set<string>(['ft', 'ft-rag', 'raft']);
export const ADAPTER_OF: Record<string, AdapterKind> = { ft: 'ft', 'ft-rag': 'ft', raft: 'raft' };

export function adapterPaths(adapters: Partial<Record<AdapterKind, TrainedAdapter>>): Record<string, string> {
  return Object.fromEntries(Object.entries(adapters).map(([kind, a]) => [kind, a!.gguf]));
}

/**
 * The strategies under comparison. One whose adapter failed to train still answers every question — with an
 * error row naming the failure — so it is reported (and scored) as failed while the others finish.
 */
export function buildStrategies(options: CompareOptions, generator: Generator, store: CompareStore, embedder: CompareEmbedder, adapters: Partial<Record<AdapterKind, TrainedAdapter>>, failed: Partial<Record<AdapterKind, string>> = {}, only?: StrategyName[]): Strategy[] {
  const deps = { generator, store, embedder, retrieval: options.config.retrieval };
  return (only ?? options.strategies).map((name) => {
    const kind = ADAPTER_OF[name];
    if (kind && !adapters[kind]) return failedStrategy(name, `the ${kind} adapter failed to train: ${failed[kind] ?? 'not trained'}`);
    return createStrategy(name, deps, { adapter: kind, maxTokens: options.maxTokens });
  });
}

function failedStrategy(name: string, message: string): Strategy {
  return { name, answer: () => Promise.reject(new TrainerError(message)) };
}
