import type { RetrievalSettings } from '../config/config.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Store } from '../store/store.ts';
import { UsageError } from '../errors.ts';
import { baseStrategy } from './base-strategy.ts';
import { ragStrategy, type RagDeps } from './rag-strategy.ts';
import type { Strategy } from './strategy.ts';

/** The two kinds of LoRA adapter attune trains: on Q/A pairs (ft), or on RAFT examples that teach reading documents (raft). */
export type AdapterKind = 'ft' | 'raft';

/** What bringing a strategy up to date takes when the documents change. */
export type UpdatePath = 'nothing to update' | 're-index' | 're-train' | 're-index + re-train';

/** The models and collection a strategy may use; `store`, `embedder` and `retrieval` only for strategies with a collection. */
export type StrategyDeps = Pick<RagDeps, 'generator'> &
  Partial<Omit<RagDeps, 'generator'>> & {
    /** Retrieval settings tuned on a development split (compare's tuning step): what `rag-tuned` answers with. */
    tunedRetrieval?: RetrievalSettings;
    /** The collection re-embedded with a tuned embedder, and that embedder: what `rag-ft-retriever` retrieves with. */
    tunedRetriever?: { store: Store; embedder: Embedder };
  };

export interface StrategySpec {
  readonly name: string;
  /** The kind of adapter it answers with, or null for the base model alone. */
  readonly adapter: AdapterKind | null;
  /** True when it retrieves from a collection. */
  readonly collection: boolean;
  readonly update: UpdatePath;
  /** The tie-breaker between strategies shown equivalent: lower is simpler (fewer parts to build, train and keep up to date). */
  readonly simplicity: number;
  readonly description: string;
  /** True when it answers with retrieval settings tuned for the run (`tunedRetrieval`): only compare tunes them. */
  readonly tunesRetrieval?: boolean;
  /** True when it retrieves with a tuned embedder from a re-embedded copy of the collection (`tunedRetriever`). */
  readonly tunedEmbedder?: boolean;
  /** Its answer implementation; `deps` holds a collection whenever `collection` is true, `adapter` whenever `adapter` is set. */
  build(deps: StrategyDeps & Partial<RagDeps>, options: { adapter?: string; maxTokens?: number }): Strategy;
}

const rag = (name: string) => (deps: Partial<RagDeps>, options: { adapter?: string; maxTokens?: number }) =>
  ragStrategy(deps as RagDeps, { name, ...options });

/**
 * Every answering strategy, simplest first. Adding a strategy is one entry here (plus its answer
 * implementation); the CLI, eval, compare, the server and MCP read their names and needs from this table.
 */
export const STRATEGY_CATALOG = [
  {
    name: 'base',
    adapter: null,
    collection: false,
    update: 'nothing to update',
    simplicity: 0,
    description: 'the model alone, no retrieval',
    build: (deps, options) => baseStrategy(deps.generator, { name: 'base', maxTokens: options.maxTokens }),
  },
  {
    name: 'rag',
    adapter: null,
    collection: true,
    update: 're-index',
    simplicity: 1,
    description: 'retrieval from the collection, then the model answers from the numbered documents',
    build: (deps, options) => rag('rag')(deps, { maxTokens: options.maxTokens }),
  },
  {
    // rag with k and hybrid fusion tuned on development questions disjoint from the held-out ones (compare only)
    name: 'rag-tuned',
    adapter: null,
    collection: true,
    update: 're-index',
    simplicity: 1.5,
    tunesRetrieval: true,
    description:
      'rag with k, search mode and hybrid fusion tuned on development questions kept apart from the held-out ones',
    build: (deps, options) => {
      if (!deps.tunedRetrieval)
        throw new UsageError(
          'strategy rag-tuned answers with retrieval settings tuned during `attune compare`; elsewhere run `attune tune-retrieval` (it writes them to the config) and use rag',
        );
      return rag('rag-tuned')({ ...deps, retrieval: deps.tunedRetrieval }, { maxTokens: options.maxTokens });
    },
  },
  {
    // rag whose embedder was fine-tuned on the user's questions (attune tune-embedder), over a re-embedded copy
    name: 'rag-ft-retriever',
    adapter: null,
    collection: true,
    update: 're-index',
    simplicity: 1.7,
    tunedEmbedder: true,
    description:
      'rag over the collection re-embedded with an embedding model fine-tuned on questions (`attune tune-embedder`)',
    build: (deps, options) => {
      if (!deps.tunedRetriever)
        throw new UsageError(
          'strategy rag-ft-retriever retrieves with a tuned embedder given to `attune compare --tuned-embedder NAME`; elsewhere re-embed the collection (`attune collections reembed`) and use rag with --embedder NAME',
        );
      return rag('rag-ft-retriever')({ ...deps, ...deps.tunedRetriever }, { maxTokens: options.maxTokens });
    },
  },
  {
    name: 'ft',
    adapter: 'ft',
    collection: false,
    update: 're-train',
    simplicity: 2,
    description: 'a LoRA adapter trained on Q/A pairs, no retrieval',
    build: (deps, options) => baseStrategy(deps.generator, { name: 'ft', ...options }),
  },
  {
    name: 'ft-rag',
    adapter: 'ft',
    collection: true,
    update: 're-index + re-train',
    simplicity: 3,
    description: 'the Q/A adapter with retrieval',
    build: (deps, options) => rag('ft-rag')(deps, options),
  },
  {
    // the RAFT adapter learned to read documents, not the facts: an update only needs re-indexing
    name: 'raft',
    adapter: 'raft',
    collection: true,
    update: 're-index',
    simplicity: 4,
    description: 'an adapter trained on RAFT examples (question, oracle and distractor documents) with retrieval',
    build: (deps, options) => rag('raft')(deps, options),
  },
] as const satisfies readonly StrategySpec[];

export type StrategyName = (typeof STRATEGY_CATALOG)[number]['name'];
export const STRATEGY_NAMES = STRATEGY_CATALOG.map((spec) => spec.name) as [StrategyName, ...StrategyName[]];

export function isStrategyName(name: string): name is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(name);
}

/** The catalog entry of a strategy; a UsageError naming the known ones otherwise (`what` prefixes it, e.g. a flag). */
export function strategySpec(name: string, what?: string): StrategySpec {
  const spec = STRATEGY_CATALOG.find((entry) => entry.name === name);
  if (!spec)
    throw new UsageError(`${what ? `${what}: ` : ''}unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`);
  return spec;
}

/** The kind of adapter a strategy answers with (undefined for an unknown name or none). */
export function adapterKindOf(name: string): AdapterKind | undefined {
  return STRATEGY_CATALOG.find((entry) => entry.name === name)?.adapter ?? undefined;
}

export function usesAdapter(name: string): boolean {
  return adapterKindOf(name) !== undefined;
}

export function usesCollection(name: string): boolean {
  return STRATEGY_CATALOG.find((entry) => entry.name === name)?.collection ?? false;
}

/** The strategies that answer with an adapter, or that retrieve: "ft, ft-rag, raft" in messages. */
export const ADAPTER_STRATEGIES: StrategyName[] = STRATEGY_CATALOG.filter((s) => s.adapter !== null).map((s) => s.name);
export const COLLECTION_STRATEGIES: StrategyName[] = STRATEGY_CATALOG.filter((s) => s.collection).map((s) => s.name);

/** Strategies that answer with retrieval settings tuned for the run (compare tunes them first). */
export function tunesRetrieval(name: string): boolean {
  return (STRATEGY_CATALOG.find((entry) => entry.name === name) as StrategySpec | undefined)?.tunesRetrieval ?? false;
}

/** Strategies that retrieve with a tuned embedder over a re-embedded copy of the collection. */
export function usesTunedEmbedder(name: string): boolean {
  return (STRATEGY_CATALOG.find((entry) => entry.name === name) as StrategySpec | undefined)?.tunedEmbedder ?? false;
}

/** Strategies whose tuned part only compare builds (settings it tunes, an embedder it is given): opt-in there, absent elsewhere. */
export function isCompareOnly(name: string): boolean {
  return tunesRetrieval(name) || usesTunedEmbedder(name);
}

/** What compare runs when no --strategies is given: every strategy but the opt-in tuned ones (they cost extra). */
export const DEFAULT_COMPARE_STRATEGIES: StrategyName[] = STRATEGY_NAMES.filter((name) => !isCompareOnly(name));

/** Simpler first; unknown names after every known one. */
export function simplicityRank(name: string): number {
  return STRATEGY_CATALOG.find((entry) => entry.name === name)?.simplicity ?? Number.MAX_SAFE_INTEGER;
}

/** A comma-separated list of strategy names (a CLI flag), each checked against the catalog; names keep their order. */
export function parseStrategyNames(text: string, flag: string): StrategyName[] {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) strategySpec(name, flag);
  return names as StrategyName[];
}

/** Names for a message: "ft, ft-rag and raft". */
export function listNames(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
