import { ADAPTER_STRATEGIES } from '../answer/catalog.ts';
import type { Config } from '../config/config.ts';
import { defaultPrices, type PriceTable } from './metrics/cost.ts';
import type { NewRunSettings } from './run.ts';

export const DEFAULT_MAX_TOKENS = 64;

/** What a caller chooses for a new run (`attune eval` flags or a `POST /v1/eval/runs` body); the rest comes from the configuration. */
export interface RunChoices {
  strategies: string[];
  collection?: string;
  /** Strategy name → adapter; entries for strategies not in the run are dropped. */
  adapters?: Record<string, string>;
  repeats?: number;
  seed?: number;
  /** Default 0, or 0.7 with repeats > 1 (repeats at temperature 0 differ only in latency). */
  temperature?: number;
  maxTokens?: number;
  /** The judge's id: "generator" (the run's own model) or "model@url"; none → no judge. */
  judge?: string;
  /** Overrides of the configured generator's default prices. */
  prices?: Partial<PriceTable>;
}

/** The stored settings of a new run: choices plus the configured models and their default prices. */
export function newRunSettings(config: Config, choices: RunChoices): NewRunSettings {
  const repeats = choices.repeats ?? 1;
  const { generator, embedder } = config;
  const base = defaultPrices(generator.provider, generator.model ?? '');
  const adapters = Object.fromEntries(
    Object.entries(choices.adapters ?? {}).filter(([strategy]) => choices.strategies.includes(strategy)),
  );
  return {
    strategies: choices.strategies,
    collection: choices.collection,
    repeats,
    baseSeed: choices.seed ?? 1,
    temperature: choices.temperature ?? (repeats > 1 ? 0.7 : 0),
    maxTokens: choices.maxTokens ?? DEFAULT_MAX_TOKENS,
    models: {
      generator: generator.model ?? `${generator.provider}:default`,
      embedder: embedder.model ?? `${embedder.provider}:default`,
      judge: choices.judge,
    },
    adapters,
    prices: {
      inputPerMillion: choices.prices?.inputPerMillion ?? base.inputPerMillion,
      outputPerMillion: choices.prices?.outputPerMillion ?? base.outputPerMillion,
      hardwarePerHour: choices.prices?.hardwarePerHour ?? base.hardwarePerHour,
    },
    config,
  };
}

/** `ft=NAME` for one strategy, or a bare `NAME` for every strategy with an adapter (catalog: ft, ft-rag, raft) in the run. */
export function assignAdapters(specs: string[], strategies: string[]): Record<string, string> {
  const adapters: Record<string, string> = {};
  for (const spec of specs) {
    const [name, adapter] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : [undefined, spec];
    for (const strategy of name ? [name] : ADAPTER_STRATEGIES)
      if (strategies.includes(strategy)) adapters[strategy] = adapter;
  }
  return adapters;
}
