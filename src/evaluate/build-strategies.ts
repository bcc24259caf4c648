import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { usesAdapter, usesCollection } from '../answer/catalog.ts';
import { buildStrategies } from '../answer/create-strategy.ts';
import type { Strategy } from '../answer/strategy.ts';
import { parseConfig, type Config } from '../config/config.ts';
import { adapterGgufPath, createGenerator, openCollection } from '../runtime/backends.ts';
import type { Embedder } from '../embed/embedder.ts';
import { ModelError, UsageError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import { modelsDir } from '../config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../models/catalog.ts';
import { chooseJudge, type JudgeRequest } from './metrics/judge.ts';
import type { Store } from '../store/store.ts';


/** The models and stores behind a run's strategies; `dispose` releases all of them. */
export interface EvalResources {
  strategies: Strategy[];
  generator: Generator;
  embedder?: Embedder;
  store?: Store;
  judge?: Generator;
  dispose(): Promise<void>;
}

/** The judge asked for; `chooseJudge` refuses the model under test unless `self` forces it. */
export type JudgeSpec = JudgeRequest;

/** The generator's identity, as `chooseJudge` compares it: its GGUF path, or MODEL@URL. */
export function modelUnderTest(config: Config, env: NodeJS.ProcessEnv): string {
  const spec = config.generator;
  return spec.provider === 'openai' ? `${spec.model}@${spec.baseURL}` : spec.model ?? join(modelsDir(env), DEFAULT_GENERATOR_FILE);
}

/** Builds the named strategies from the configuration (loaded once at the CLI edge). */
export async function buildEvalResources(options: {
  config: Config;
  home: string;
  env: NodeJS.ProcessEnv;
  strategies: string[];
  collection?: string;
  /** Strategy name → adapter name or GGUF path, for ft, ft-rag and raft. */
  adapters: Record<string, string>;
  maxTokens: number;
  judge?: JudgeSpec;
  /** Retrieval sees only chunks without labels or with one of these (a run recorded with access labels). */
  accessLabels?: string[];
}): Promise<EvalResources> {
  const adapterPaths: Record<string, string> = {};
  for (const name of options.strategies) {
    if (!usesAdapter(name)) continue;
    const adapter = options.adapters[name];
    if (!adapter) throw new UsageError(`strategy ${name} needs an adapter: pass --adapter ${name}=NAME`);
    const path = existsSync(adapter) ? adapter : adapterGgufPath(options.home, adapter);
    if (!existsSync(path)) throw new ModelError(`unknown adapter "${adapter}": not found at ${path} (see \`attune adapters list\`)`);
    adapterPaths[adapter] = path;
  }
  const needsCollection = options.strategies.some(usesCollection);
  if (needsCollection && !options.collection) throw new UsageError(`strategies ${options.strategies.filter(usesCollection).join(', ')} need --collection NAME`);
  const opened = needsCollection ? await openCollection(options.config, options.home, options.collection!, { env: options.env }) : undefined;
  let generator: Generator | undefined;
  let judge: Generator | undefined;
  try {
    generator = await createGenerator(options.config, { env: options.env, adapters: adapterPaths });
    const choice = options.judge ? chooseJudge(options.judge, modelUnderTest(options.config, options.env), (path) => resolve(path)) : undefined;
    if (choice?.kind === 'remote') judge = await createGenerator(parseConfig({ generator: { provider: 'openai', baseURL: choice.baseURL, model: choice.model, apiKeyEnv: choice.apiKeyEnv } }), { env: options.env });
    if (choice?.kind === 'local') judge = await createGenerator(parseConfig({ generator: { provider: 'llama', model: choice.model } }), { env: options.env });
    const filter = options.accessLabels ? { labels: options.accessLabels } : undefined;
    const deps = { generator, store: opened?.store, embedder: opened?.embedder, retrieval: options.config.retrieval, filter };
    const strategies = buildStrategies(options.strategies, deps, { adapters: options.adapters, maxTokens: options.maxTokens });
    const ownJudge = judge;
    const gen = generator;
    return {
      strategies,
      generator,
      embedder: opened?.embedder,
      store: opened?.store,
      judge: options.judge ? (ownJudge ?? generator) : undefined,
      async dispose() {
        await ownJudge?.dispose();
        await gen.dispose();
        await opened?.store.dispose();
        await opened?.embedder.dispose();
      },
    };
  } catch (error) {
    await judge?.dispose();
    await generator?.dispose();
    await opened?.store.dispose();
    await opened?.embedder.dispose();
    throw error;
  }
}
