import { join } from 'node:path';
import {
  ADAPTER_STRATEGIES,
  DEFAULT_COMPARE_STRATEGIES,
  listNames,
  parseStrategyNames,
  STRATEGY_NAMES,
  usesAdapter,
  type StrategyName,
} from '../answer/catalog.ts';
import type { Config } from '../config/config.ts';
import { generatorModelPath } from '../runtime/backends.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { UsageError } from '../errors.ts';
import { defaultPrices, type PriceTable } from '../evaluate/metrics/cost.ts';
import { ensurePythonEnv } from '../models/python-env.ts';
import { PythonTrainer } from '../tune/python-trainer.ts';
import { writeAtomic } from './cache.ts';
import type { CompareResult } from './assemble.ts';
import type { CompareOptions, CompareProgress } from './compare.ts';
import type { MinEffects, Priorities } from './recommend.ts';
import { renderCompareHtml } from './report-html.ts';

export function parseStrategies(text: string): StrategyName[] {
  const names = parseStrategyNames(text, '--strategies');
  if (names.length < 2) throw new UsageError('--strategies: compare at least two strategies');
  return [...new Set(names)];
}

/** Resolves what the pipeline needs from the environment: base model, prices, and the trainer when adapters are compared. */
export async function compareEnvironment(
  config: Config,
  env: NodeJS.ProcessEnv,
  strategies: StrategyName[],
  log?: (line: string) => void,
): Promise<Pick<CompareOptions, 'base' | 'prices' | 'trainer'>> {
  const generator = config.generator;
  const prices: PriceTable = defaultPrices(generator.provider, generator.model ?? '');
  const base = generatorModelPath(config, env) ?? '';
  const wantsAdapters = strategies.some(usesAdapter);
  if (!wantsAdapters) return { base, prices };
  if (generator.provider !== 'llama')
    throw new UsageError(
      `${listNames(ADAPTER_STRATEGIES)} need a local GGUF generator (LoRA adapters are served by node-llama-cpp); pass --strategies ${STRATEGY_NAMES.filter((s) => !usesAdapter(s)).join(',')} for a hosted model`,
    );
  return { base, prices, trainer: new PythonTrainer({ python: await ensurePythonEnv({ env, log }) }) };
}

/** What a caller chooses for a comparison (`attune compare` flags or a `POST /v1/eval/compare` body). */
export interface CompareSettings {
  corpus: string;
  questions: string;
  out: string;
  train?: string;
  update?: string;
  format?: string;
  strategies: StrategyName[];
  priorities: Priorities;
  minEffects?: Partial<MinEffects>;
  repeats: number;
  limit?: number;
  epochs: number;
  lr: number;
  maxSteps?: number;
  raftMaxSteps?: number;
  maxTokens: number;
  /** Cap on generated training examples per adapter (RAFT gets a quarter). */
  maxTrainExamples: number;
  metric: CompareOptions['metric'];
  /** Refuse to start training when the remaining work is estimated above this (default COMPARE_DEFAULTS.maxMinutes). */
  maxMinutes?: number;
  /** Token limit of the Q/A adapter's examples (default 256); RAFT examples get 1024. */
  maxSeqLen?: number;
  /** Also run the reading diagnostics of rag, ft-rag and raft. */
  diagnostics?: boolean;
  /** rag-ft-retriever's tuned embedder: its folder under <home>/embedders. */
  tunedEmbedder?: string;
}

export const COMPARE_DEFAULTS = {
  strategies: DEFAULT_COMPARE_STRATEGIES.join(','),
  repeats: 1,
  epochs: 3,
  lr: 1e-3,
  maxTokens: 32,
  maxTrainExamples: 400,
  metric: 'containment',
  maxMinutes: 120,
} as const;

/** The pipeline's options: the caller's settings, the environment (base model, prices, trainer) and fixed training shapes. */
export async function compareOptions(
  settings: CompareSettings,
  context: {
    config: Config;
    env: NodeJS.ProcessEnv;
    log?: (line: string) => void;
    signal?: AbortSignal;
    onProgress?: (event: CompareProgress) => void;
    onNotice?: (line: string) => void;
    /** Models to borrow (the server's runtime); without it the compare loads its own. */
    runtime?: Runtime;
  },
): Promise<CompareOptions> {
  const environment = await compareEnvironment(context.config, context.env, settings.strategies, context.log);
  const { epochs, lr, maxTrainExamples, maxSteps, raftMaxSteps, maxSeqLen, ...chosen } = settings;
  return {
    ...chosen,
    maxMinutes: settings.maxMinutes ?? COMPARE_DEFAULTS.maxMinutes,
    config: context.config,
    env: context.env,
    ...environment,
    training: {
      ft: { epochs, lr, maxSteps, maxSeqLen: maxSeqLen ?? 256, batchSize: 4 },
      raft: { epochs, lr, maxSteps: raftMaxSteps, maxSeqLen: 1024, batchSize: 2 },
      maxQaExamples: maxTrainExamples,
      maxRaftExamples: Math.ceil(maxTrainExamples / 4),
    },
    runtime: context.runtime,
    signal: context.signal,
    onProgress: context.onProgress,
    onNotice: context.onNotice,
  };
}

/** compare.json and report.html in the out folder, each written atomically. */
export async function writeCompareOutputs(result: CompareResult, out: string): Promise<{ json: string; html: string }> {
  const json = join(out, 'compare.json');
  const html = join(out, 'report.html');
  await writeAtomic(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeAtomic(html, renderCompareHtml(result));
  return { json, html };
}
