import { adapterKindOf, type AdapterKind, type StrategyDeps, type StrategyName } from '../answer/catalog.ts';
import { buildStrategies } from '../answer/create-strategy.ts';
import type { Strategy } from '../answer/strategy.ts';
import { TrainerError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { CompareOptions } from './options.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Store } from '../store/store.ts';
import type { TrainedAdapter } from './steps.ts';

export type CompareStore = Store;
export type CompareEmbedder = Embedder;
export type { AdapterKind } from '../answer/catalog.ts';

/** The adapter kinds the compared strategies need, each once. */
export function adapterKinds(strategies: readonly string[]): AdapterKind[] {
  return [...new Set(strategies.map(adapterKindOf).filter((kind) => kind !== undefined))];
}

/**
 * Makes the trained adapters known to the runtime's generator under their own names (the hash of their data and
 * settings), so a retrained adapter never shadows the first one and a server's generator can serve both.
 */
export function registerAdapters(runtime: Runtime, adapters: Partial<Record<AdapterKind, TrainedAdapter>>): void {
  for (const adapter of Object.values(adapters)) runtime.registerAdapter(adapter.name, adapter.gguf);
}

/**
 * The strategies under comparison. One whose adapter failed to train still answers every question — with an
 * error row naming the failure — so it is reported (and scored) as failed while the others finish.
 */
export function strategiesUnderComparison(
  options: CompareOptions,
  generator: Generator,
  store: CompareStore,
  embedder: CompareEmbedder,
  adapters: Partial<Record<AdapterKind, TrainedAdapter>>,
  failed: Partial<Record<AdapterKind, string>> = {},
  /** rag-tuned's settings (the retrieval tuning step) and rag-ft-retriever's re-embedded collection (the re-embed step). */
  tuned: Pick<StrategyDeps, 'tunedRetrieval' | 'tunedRetriever'> = {},
  only?: StrategyName[],
): Strategy[] {
  const names = only ?? options.strategies;
  const unavailable: Record<string, Error> = {};
  const adapterOf: Record<string, string> = {};
  for (const name of names) {
    const kind = adapterKindOf(name);
    if (!kind) continue;
    adapterOf[name] = adapters[kind]?.name ?? kind;
    if (!adapters[kind])
      unavailable[name] = new TrainerError(`the ${kind} adapter failed to train: ${failed[kind] ?? 'not trained'}`);
  }
  return buildStrategies(
    names,
    { generator, store, embedder, retrieval: options.config.retrieval, ...tuned },
    { adapters: adapterOf, maxTokens: options.maxTokens, unavailable },
  );
}
