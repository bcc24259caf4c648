import { join, resolve } from 'node:path';
import { usesAdapter, usesCollection } from '../answer/catalog.ts';
import { buildStrategies } from '../answer/create-strategy.ts';
import type { Strategy } from '../answer/strategy.ts';
import { parseConfig, type Config } from '../config/config.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { Embedder } from '../embed/embedder.ts';
import { UsageError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import { modelsDir } from '../config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../models/catalog.ts';
import { chooseJudge, type JudgeRequest } from './metrics/judge.ts';
import type { Store } from '../store/store.ts';

/** The strategies of a run and the models behind them, all from one runtime (which disposes them). */
export interface EvalResources {
  strategies: Strategy[];
  generator: Generator;
  embedder?: Embedder;
  store?: Store;
  judge?: Generator;
}

/** The judge asked for; `chooseJudge` refuses the model under test unless `self` forces it. */
export type JudgeSpec = JudgeRequest;

/** The generator's identity, as `chooseJudge` compares it: its GGUF path, or MODEL@URL. */
export function modelUnderTest(config: Config, env: NodeJS.ProcessEnv): string {
  const spec = config.generator;
  return spec.provider === 'openai'
    ? `${spec.model}@${spec.baseURL}`
    : (spec.model ?? join(modelsDir(env), DEFAULT_GENERATOR_FILE));
}

/** Builds the named strategies from the runtime's models (the configuration was loaded once at the CLI edge). */
export async function buildEvalResources(
  runtime: Runtime,
  options: {
    strategies: string[];
    collection?: string;
    /** Strategy name → adapter name or GGUF path, for the strategies with an adapter (ft, ft-rag, raft). */
    adapters: Record<string, string>;
    maxTokens: number;
    judge?: JudgeSpec;
    /** Retrieval sees only chunks without labels or with one of these (a run recorded with access labels). */
    accessLabels?: string[];
  },
): Promise<EvalResources> {
  for (const name of options.strategies) {
    if (!usesAdapter(name)) continue;
    const adapter = options.adapters[name];
    if (!adapter) throw new UsageError(`strategy ${name} needs an adapter: pass --adapter ${name}=NAME`);
    runtime.resolveAdapter(adapter);
  }
  const needsCollection = options.strategies.some(usesCollection);
  if (needsCollection && !options.collection)
    throw new UsageError(`strategies ${options.strategies.filter(usesCollection).join(', ')} need --collection NAME`);
  const { config, env } = runtime;
  const choice = options.judge
    ? chooseJudge(options.judge, modelUnderTest(config, env), (path) => resolve(path))
    : undefined;
  const [opened, generator] = await Promise.all([
    needsCollection ? runtime.collection(options.collection!) : undefined,
    runtime.generator(),
  ]);
  let judge: Generator | undefined;
  if (choice?.kind === 'remote')
    judge = await runtime.generatorFor(
      parseConfig({
        generator: { provider: 'openai', baseURL: choice.baseURL, model: choice.model, apiKeyEnv: choice.apiKeyEnv },
      }).generator,
    );
  if (choice?.kind === 'local')
    judge = await runtime.generatorFor(
      parseConfig({ generator: { provider: 'llama', model: choice.model } }).generator,
    );
  const filter = options.accessLabels ? { labels: options.accessLabels } : undefined;
  const deps = { generator, store: opened?.store, embedder: opened?.embedder, retrieval: config.retrieval, filter };
  return {
    strategies: buildStrategies(options.strategies, deps, { adapters: options.adapters, maxTokens: options.maxTokens }),
    generator,
    embedder: opened?.embedder,
    store: opened?.store,
    judge: options.judge ? (judge ?? generator) : undefined,
  };
}
