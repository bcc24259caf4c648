import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { TrainerError } from '../../errors.ts';
import { PYTHON_DIR } from '../../models/python-env.ts';
import type { LossPoint } from '../trainer.ts';
import { runWorker } from '../worker-process.ts';

export interface EmbedderTrainConfig {
  /** A sentence-transformers folder (the base model's safetensors, or a tuned embedder's hf/). */
  baseDir: string;
  /** JSONL of {anchor, positive, negative?}. */
  trainFile: string;
  /** Gets hf/, the transformers.js layout (config.json, tokenizer files, onnx/model.onnx) and reference.json. */
  outputDir: string;
  /** train.log on failure. */
  runDir: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  threads?: number;
  /** Embedded with the trained PyTorch model into reference.json, for the export check. */
  referenceSentences: string[];
}

export interface EmbedderTrainResult {
  steps: number;
  trainLoss: number;
  history: LossPoint[];
  seconds: number;
  device: string;
}

const HINTS: Record<string, string> = {
  import: 'reinstall the worker environment (delete the venv under ~/.cache/attune and rerun)',
  oom: 'lower --batch-size',
  'disk-full': 'free disk space and rerun',
  'bad-config': 'check the base model folder and the training pairs',
};

/** Trains with python/train_embedder.py (sentence-transformers, multiple-negatives ranking loss) in the worker venv. */
export async function trainEmbedderInPython(
  python: string,
  config: EmbedderTrainConfig,
  options: {
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    onStep?: (step: number, total: number, loss: number) => void;
  } = {},
): Promise<EmbedderTrainResult> {
  if (!existsSync(python))
    throw new TrainerError(`Python not found at ${python}: run \`npm run setup\` or set ATTUNE_PYTHON`, {
      input: python,
    });
  let done: EmbedderTrainResult | undefined;
  await runWorker({
    python,
    args: [join(PYTHON_DIR, 'train_embedder.py')],
    input: `${JSON.stringify({
      base_dir: config.baseDir,
      train_file: config.trainFile,
      output_dir: config.outputDir,
      run_dir: config.runDir,
      epochs: config.epochs,
      batch_size: config.batchSize,
      lr: config.lr,
      seed: config.seed,
      threads: config.threads ?? availableParallelism(),
      reference_sentences: config.referenceSentences,
    })}\n`,
    env: options.env ?? process.env,
    signal: options.signal,
    hints: HINTS,
    cancelMessage: 'embedder training was cancelled; nothing was registered',
    onEvent: (event) => {
      if (event.event === 'progress') options.onStep?.(Number(event.step), Number(event.total), Number(event.loss));
      if (event.event === 'done')
        done = {
          steps: Number(event.steps),
          trainLoss: Number(event.train_loss),
          history: event.history as LossPoint[],
          seconds: Number(event.seconds),
          device: String(event.device),
        };
    },
  });
  if (!done) throw new TrainerError('the embedder trainer exited without a result');
  return done;
}
