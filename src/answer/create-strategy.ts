import { UsageError } from '../errors.ts';
import { strategySpec, type StrategyDeps } from './catalog.ts';
import type { Strategy } from './strategy.ts';

export interface CreateStrategyOptions {
  /** Adapter name registered with the generator: required for the strategies the catalog gives an adapter (ft, ft-rag, raft). */
  adapter?: string;
  maxTokens?: number;
}

/** One strategy by its catalog name (`STRATEGY_CATALOG`), checked against what its entry needs. */
export function createStrategy(name: string, deps: StrategyDeps, options: CreateStrategyOptions = {}): Strategy {
  const spec = strategySpec(name);
  if (spec.adapter && !options.adapter)
    throw new UsageError(`strategy ${name} needs an adapter: pass --adapter NAME (see \`attune adapters list\`)`);
  if (spec.collection && (!deps.store || !deps.embedder || !deps.retrieval))
    throw new UsageError(`strategy ${name} needs a collection: pass --collection NAME`);
  return spec.build(deps, { adapter: spec.adapter ? options.adapter : undefined, maxTokens: options.maxTokens });
}

export interface BuildStrategiesOptions {
  /** Strategy name → adapter name known to the generator, for the strategies with an adapter. */
  adapters?: Record<string, string>;
  maxTokens?: number;
  /**
   * Strategies that cannot answer (e.g. their adapter failed to train): each still answers every question, by
   * rejecting with this error, so an evaluation reports (and scores) it as failed while the others finish.
   */
  unavailable?: Record<string, Error>;
}

/** The named strategies, in order, built from one set of models and one collection: the one way every caller builds them. */
export function buildStrategies(
  names: readonly string[],
  deps: StrategyDeps,
  options: BuildStrategiesOptions = {},
): Strategy[] {
  return names.map((name) => {
    const unavailable = options.unavailable?.[name];
    if (unavailable) return { name: strategySpec(name).name, answer: () => Promise.reject(unavailable) };
    return createStrategy(name, deps, { adapter: options.adapters?.[name], maxTokens: options.maxTokens });
  });
}
