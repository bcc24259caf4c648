import { existsSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DatasetError, UsageError } from '../errors.ts';
import {
  adaptersDir,
  checkAdapterName,
  commitAdapter,
  stagingDir,
  type AdapterMeta,
  type AdapterScope,
} from './adapters.ts';
import {
  MIN_EXAMPLES,
  readTrainingData,
  splitExamples,
  tokenStats,
  type ChatExample,
  type TokenStats,
} from './data.ts';
import { checkExportParity } from './parity.ts';
import type { ParityResult } from './parity-judge.ts';
import type { TrainEvent, Trainer } from './trainer.ts';

/** Rough CPU throughput of the 135M model with LoRA on 2 cores, for the pre-training estimate. */
const GUESSED_TOKENS_PER_SECOND = 200;

export interface TuneOptions {
  home: string;
  name: string;
  data: string;
  /** A .gguf file (dequantised by transformers) or a Hugging Face causal-LM folder. */
  base: string;
  trainer: Trainer;
  epochs?: number;
  lr?: number;
  rank?: number;
  maxSteps?: number;
  maxSeqLen?: number;
  batchSize?: number;
  /** LoRA dropout (default 0.05). */
  dropout?: number;
  /** CPU threads per training process (default: the cores, shared out among the processes). */
  threads?: number;
  seed?: number;
  patience?: number;
  checkpointEvery?: number;
  /** nf4: QLoRA, a 4-bit NF4 base through bitsandbytes (one process, or ddp; not with fsdp). */
  quantize?: 'nf4';
  /** The collections and access labels the training data came from (see AdapterScope). */
  scope?: AdapterScope;
  /** Run the export parity check after training (default true; see parity.ts). */
  parity?: boolean;
  /** Prompts the parity check asks (default 8). */
  parityPrompts?: number;
  signal?: AbortSignal;
  /** Bad lines (training goes on without them) and the stats, before training. */
  onData?: (info: { errors: DatasetError[]; stats: TokenStats; train: number; val: number }) => void;
  onEvent?: (event: TrainEvent) => void;
  /** Before and after the export parity check. */
  onParity?: (result: ParityResult | null) => void;
}

export interface TuneResult {
  name: string;
  adapterGguf: string;
  adapterPeft: string;
  steps: number;
  trainLoss: number;
  valLoss: number | null;
  wallSeconds: number;
  tokensPerSecond: number;
  peakRssMb?: number;
  parity?: ParityResult;
}

/** Validates the data, trains, exports and registers adapters/<name>; a failed run registers nothing. */
export async function tune(options: TuneOptions): Promise<TuneResult> {
  const startedAt = Date.now();
  const name = checkAdapterName(options.name);
  const { baseDir, ggufFile } = resolveBase(options.base);
  const hp = {
    epochs: options.epochs ?? 3,
    lr: options.lr ?? 2e-4,
    rank: options.rank ?? 16,
    dropout: options.dropout ?? 0.05,
    batchSize: options.batchSize ?? 4,
    maxSeqLen: options.maxSeqLen ?? 512,
    maxSteps: options.maxSteps,
    seed: options.seed ?? 42,
    ...(options.quantize ? { quantize: options.quantize } : {}),
  };
  const alpha = 2 * hp.rank;
  const data = await readTrainingData(options.data);
  if (data.examples.length < MIN_EXAMPLES) {
    throw new DatasetError(
      `${options.data}: only ${data.examples.length} valid example(s), at least ${MIN_EXAMPLES} are needed${data.errors[0] ? ` (first error: ${data.errors[0].message})` : ''}`,
      { input: options.data },
    );
  }
  // the run folder is keyed by name + data, so rerunning the same command resumes from its checkpoint
  const runDir = join(adaptersDir(options.home), '.runs', `${name}-${data.hash.slice(0, 12)}`);
  await mkdir(runDir, { recursive: true });
  const allFile = join(runDir, 'all.jsonl');
  await writeJsonl(allFile, data.examples);
  const lengths = await options.trainer.tokenLengths(
    { baseDir, ggufFile, trainFile: allFile, runDir },
    { signal: options.signal },
  );
  // --max-steps can end training before the last epoch: estimate from the examples that will actually be seen
  const epochsSeen = hp.maxSteps ? Math.min(hp.epochs, (hp.maxSteps * hp.batchSize) / data.examples.length) : hp.epochs;
  const stats = tokenStats(options.data, data.examples, lengths, {
    maxSeqLen: hp.maxSeqLen,
    epochs: epochsSeen,
    tokensPerSecond: GUESSED_TOKENS_PER_SECOND,
  });
  const { train, val } = splitExamples(data.examples, 0.1, hp.seed);
  options.onData?.({ errors: data.errors, stats, train: train.length, val: val.length });
  const trainFile = join(runDir, 'train.jsonl');
  const valFile = join(runDir, 'val.jsonl');
  await writeJsonl(trainFile, train);
  await writeJsonl(valFile, val);

  const staged = await stagingDir(options.home, name);
  try {
    const result = await options.trainer.train(
      {
        baseDir,
        ggufFile,
        trainFile,
        valFile: val.length > 0 ? valFile : undefined,
        runDir,
        outputDir: staged,
        epochs: hp.epochs,
        lr: hp.lr,
        rank: hp.rank,
        alpha,
        dropout: hp.dropout,
        maxSteps: hp.maxSteps,
        batchSize: hp.batchSize,
        seed: hp.seed,
        patience: options.patience ?? 3,
        checkpointEvery: options.checkpointEvery ?? 20,
        threads: options.threads,
        quantize: hp.quantize,
      },
      { signal: options.signal, onEvent: options.onEvent },
    );
    let parity: ParityResult | undefined;
    if (options.parity !== false) {
      options.onParity?.(null);
      // checked before registering, on the staged files: a degraded adapter is registered as such, never silently
      parity = await checkExportParity({
        trainer: options.trainer,
        baseDir,
        ggufFile,
        adapterGguf: join(staged, 'adapter.gguf'),
        adapterPeft: join(staged, 'peft'),
        examples: val.length > 0 ? val : train,
        source: val.length > 0 ? 'val' : 'train',
        maxPrompts: options.parityPrompts,
        signal: options.signal,
      });
      options.onParity?.(parity);
    }
    const wallSeconds = (Date.now() - startedAt) / 1000;
    const meta: AdapterMeta = {
      name,
      ...(options.scope ? { scope: options.scope } : {}),
      createdAt: new Date().toISOString(),
      trainer: options.trainer.id,
      baseModel: resolve(options.base),
      data: {
        file: resolve(options.data),
        sha256: data.hash,
        train: train.length,
        val: val.length,
        skippedLines: data.errors.length,
      },
      hyperparameters: { ...hp, alpha },
      steps: result.steps,
      trainLoss: result.trainLoss,
      valLoss: result.valLoss,
      lossCurve: result.history,
      wallSeconds,
      tokensPerSecond: result.tokensPerSecond,
      ...((result.processes ?? 1) > 1 ? { processes: result.processes } : {}),
      ...(parity ? { parity } : {}),
    };
    const target = await commitAdapter(options.home, staged, meta);
    await rm(runDir, { recursive: true, force: true });
    return {
      name,
      adapterGguf: join(target, 'adapter.gguf'),
      adapterPeft: join(target, 'peft'),
      steps: result.steps,
      trainLoss: result.trainLoss,
      valLoss: result.valLoss,
      wallSeconds,
      tokensPerSecond: result.tokensPerSecond,
      peakRssMb: result.peakRssMb,
      ...(parity ? { parity } : {}),
    };
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}

function resolveBase(base: string): { baseDir: string; ggufFile?: string } {
  const path = resolve(base);
  if (!existsSync(path))
    throw new UsageError(`base model not found: ${path}: pass a .gguf file or a Hugging Face model folder with --base`);
  if (statSync(path).isDirectory()) return { baseDir: path };
  if (!path.endsWith('.gguf')) throw new UsageError(`--base ${base}: expected a .gguf file or a model folder`);
  return { baseDir: dirname(path), ggufFile: basename(path) };
}

async function writeJsonl(file: string, examples: ChatExample[]): Promise<void> {
  await writeFile(file, `${examples.map((e) => JSON.stringify({ messages: e.messages, line: e.line })).join('\n')}\n`);
}
