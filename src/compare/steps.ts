import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Strategy } from '../answer/strategy.ts';
import type { Config } from '../config/config.ts';
import { adapterGgufPath } from '../runtime/backends.ts';
import type { Question } from '../dataset/questions.ts';
import type { Embedder } from '../embed/embedder.ts';
import { evaluate } from '../evaluate/evaluate.ts';
import type { PriceTable } from '../evaluate/metrics/cost.ts';
import type { EvalRow } from '../evaluate/row.ts';
import { ingest, type IngestResult } from '../ingest/ingest.ts';
import type { Store } from '../store/store.ts';
import { loadAdapter, type AdapterMeta } from '../tune/adapters.ts';
import type { Trainer } from '../tune/trainer.ts';
import { tune } from '../tune/tune.ts';
import { contentHash, writeAtomic } from './cache.ts';
import type { GeneratedExample } from './training-data.ts';
import { toJsonl } from './training-data.ts';
import { appendJsonLine, readJsonLines } from '../io/jsonl.ts';

/** Incremental ingest of the folders into the store; returns its result and wall time. */
export async function timedIngest(
  config: Config,
  home: string,
  collection: string,
  store: Store,
  embedder: Embedder,
  paths: string[],
  signal?: AbortSignal,
): Promise<{ result: IngestResult; seconds: number }> {
  const started = performance.now();
  const result = await ingest({
    paths,
    store,
    embedder,
    chunking: config.chunking,
    prune: true,
    cacheDir: join(home, 'cache', collection),
    signal,
  });
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** The corpus with the update laid over it: the second version of the changed documents, the rest as before. */
export async function overlayCorpus(corpus: string, update: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  await cp(corpus, target, { recursive: true });
  await cp(update, target, { recursive: true, force: true });
}

export interface TrainedAdapter {
  name: string;
  gguf: string;
  meta: AdapterMeta;
  /** True when an adapter with the same data and settings was already trained (reused). */
  cached: boolean;
  /** Peak memory of the training process (absent when reused). */
  peakRssMb?: number;
}

export interface TrainSettings {
  epochs: number;
  maxSteps?: number;
  maxSeqLen: number;
  lr?: number;
  batchSize?: number;
}

/** The adapter's name: the hash of its data and settings, so the same inputs find the trained adapter again. */
export function adapterName(kind: string, examples: GeneratedExample[], settings: TrainSettings, base: string): string {
  return `${kind}-${contentHash(toJsonl(examples), settings, base).slice(0, 12)}`;
}

export function isTrained(home: string, name: string): boolean {
  return existsSync(adapterGgufPath(home, name));
}

/** Trains (or reuses) an adapter named by the hash of its data and settings; an interrupted run resumes from its checkpoint. */
export async function trainAdapter(options: {
  home: string;
  kind: string;
  examples: GeneratedExample[];
  dataFile: string;
  base: string;
  trainer: Trainer;
  settings: TrainSettings;
  signal?: AbortSignal;
  onStep?: (step: number, total: number, loss: number) => void;
}): Promise<TrainedAdapter> {
  const data = toJsonl(options.examples);
  const name = adapterName(options.kind, options.examples, options.settings, options.base);
  if (isTrained(options.home, name)) {
    return {
      name,
      gguf: adapterGgufPath(options.home, name),
      meta: await loadAdapter(options.home, name),
      cached: true,
    };
  }
  await writeAtomic(options.dataFile, data);
  const result = await tune({
    home: options.home,
    name,
    data: options.dataFile,
    base: options.base,
    trainer: options.trainer,
    epochs: options.settings.epochs,
    maxSteps: options.settings.maxSteps,
    maxSeqLen: options.settings.maxSeqLen,
    lr: options.settings.lr,
    batchSize: options.settings.batchSize,
    signal: options.signal,
    // a step can take a minute on shared CPU cores: a kill loses at most 10 steps (a checkpoint costs well under a second)
    checkpointEvery: 10,
    // the export parity check on 4 prompts: enough to catch a broken export (it fails from the first words), cheap beside training
    parityPrompts: 4,
    onEvent: (event) => {
      if (event.event === 'progress') options.onStep?.(event.step, event.total, event.loss);
    },
  });
  return {
    name,
    gguf: result.adapterGguf,
    meta: await loadAdapter(options.home, name),
    cached: false,
    peakRssMb: result.peakRssMb,
  };
}

/** Answers already in a rows file; failed ones are left out, so a rerun tries them again. */
export async function cachedRows(rowsFile: string): Promise<EvalRow[]> {
  if (!existsSync(rowsFile)) return [];
  return readJsonLines<EvalRow>(await readFile(rowsFile, 'utf8')).filter((row) => !row.error);
}

/** Evaluates the strategies on the questions, resuming from (and appending to) a rows file. */
export async function evaluateCached(options: {
  rowsFile: string;
  questions: Question[];
  strategies: Strategy[];
  repeats: number;
  maxTokens: number;
  prices: PriceTable;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<EvalRow[]> {
  const done = await cachedRows(options.rowsFile);
  await mkdir(join(options.rowsFile, '..'), { recursive: true });
  const result = await evaluate({
    questions: options.questions,
    strategies: options.strategies,
    repeats: options.repeats,
    baseSeed: 1,
    temperature: options.repeats > 1 ? 0.7 : 0,
    prices: options.prices,
    done,
    signal: options.signal,
    onProgress: options.onProgress,
    onRow: (row) => appendJsonLine(options.rowsFile, row),
  });
  const names = new Set(options.strategies.map((s) => s.name));
  const ids = new Set(options.questions.map((q) => q.id));
  return [...done, ...result.rows].filter(
    (row) => names.has(row.strategy) && ids.has(row.questionId) && row.repeat < options.repeats,
  );
}
