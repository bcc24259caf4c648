import { UsageError } from '../errors.ts';
import { baseStrategy } from './base-strategy.ts';
import { ragStrategy, type RagDeps } from './rag-strategy.ts';
import type { Strategy } from './strategy.ts';

export const STRATEGY_NAMES = ['base', 'rag', 'ft', 'ft-rag', 'raft'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export type StrategyDeps = Pick<RagDeps, 'generator'> & Partial<Omit<RagDeps, 'generator'>>;

export interface CreateStrategyOptions {
  /** Adapter name registered with the generator: required for ft, ft-rag and raft. */
  adapter?: string;
  maxTokens?: number;
}

/**
 * base: the model alone · rag: retrieval + model · ft: adapter alone ·
 * ft-rag: adapter trained on Q/A + retrieval · raft: adapter trained on RAFT examples + retrieval.
 */
export function createStrategy(name: string, deps: StrategyDeps, options: CreateStrategyOptions = {}): Strategy {
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`);
  }
  const usesAdapter = name === 'ft' || name === 'ft-rag' || name === 'raft';
  if (usesAdapter && !options.adapter) throw new UsageError(`strategy ${name} needs an adapter: pass --adapter NAME (see \`attune adapters list\`)`);
  const adapter = usesAdapter ? options.adapter : undefined;
  if (name === 'base' || name === 'ft') return baseStrategy(deps.generator, { name, adapter, maxTokens: options.maxTokens });
  if (!deps.store || !deps.embedder || !deps.retrieval) throw new UsageError(`strategy ${name} needs a collection: pass --collection NAME`);
  return ragStrategy({ ...deps, store: deps.store, embedder: deps.embedder, retrieval: deps.retrieval }, { name, adapter, maxTokens: options.maxTokens });
}
