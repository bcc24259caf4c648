import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TrainerError, UsageError } from '../errors.ts';
import { PYTHON_DIR } from '../models/python-env.ts';
import { adaptersDir, loadAdapter, type MergedModel } from './adapters.ts';
import { readTrainingData, splitExamples } from './data.ts';
import { checkExportParity } from './parity.ts';
import type { ParityResult } from './parity-judge.ts';
import type { Trainer } from './trainer.ts';

export interface MergeOptions {
  home: string;
  name: string;
  python: string;
  /** The reference runtime of the parity check (PythonTrainer); without it the check is skipped. */
  trainer?: Trainer;
  type?: 'q8_0' | 'f16';
  out?: string;
  signal?: AbortSignal;
}

/**
 * `attune adapters merge`: the base GGUF with the adapter folded in (python/merge_lora_gguf.py), for a server
 * where one adapter takes all traffic (no per-request adapter cost), then the export parity check on the
 * merged file. Recorded in meta.json as `merged`.
 */
export async function mergeAdapter(options: MergeOptions): Promise<MergedModel> {
  const meta = await loadAdapter(options.home, options.name);
  const folder = join(adaptersDir(options.home), meta.name);
  if (!meta.baseModel.endsWith('.gguf') || !existsSync(meta.baseModel)) {
    throw new UsageError(
      `adapter ${meta.name}: its base ${meta.baseModel} is not a GGUF file here: merging writes into the base GGUF (a Hugging Face base would need llama.cpp's convert_hf_to_gguf.py, which is not shipped offline)`,
      { input: meta.baseModel },
    );
  }
  const type = options.type ?? 'q8_0';
  const out = options.out ?? join(folder, 'merged.gguf');
  const event = await runMerge(
    options.python,
    [meta.baseModel, join(folder, 'adapter.gguf'), out, type],
    options.signal,
  );
  let parity: ParityResult | undefined;
  if (options.trainer && existsSync(meta.data.file)) {
    // the same prompts as the check after tune: the validation split of the training data, by the same seed
    const { train, val } = splitExamples(
      (await readTrainingData(meta.data.file)).examples,
      0.1,
      meta.hyperparameters.seed,
    );
    parity = await checkExportParity({
      trainer: options.trainer,
      baseDir: dirname(meta.baseModel),
      ggufFile: basename(meta.baseModel),
      adapterGguf: join(folder, 'adapter.gguf'),
      adapterPeft: join(folder, 'peft'),
      mergedGguf: out,
      examples: val.length > 0 ? val : train,
      source: val.length > 0 ? 'val' : 'train',
      signal: options.signal,
    });
  }
  const merged: MergedModel = {
    path: out,
    type,
    bytes: event.bytes,
    tensors: event.tensors,
    createdAt: new Date().toISOString(),
    ...(parity ? { parity } : {}),
  };
  const file = join(folder, 'meta.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify({ ...meta, merged }, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return merged;
}

function runMerge(python: string, args: string[], signal?: AbortSignal): Promise<{ bytes: number; tensors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(PYTHON_DIR, 'merge_lora_gguf.py'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
    child.on('error', (error) =>
      reject(new TrainerError(`could not run the merge: ${error.message}`, { cause: error })),
    );
    child.on('close', () => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let event: { event?: string; message?: string; bytes?: number; tensors?: number } = {};
      try {
        event = JSON.parse(line);
      } catch {
        // reported below
      }
      if (event.event === 'merged') resolve({ bytes: event.bytes!, tensors: event.tensors! });
      else
        reject(
          new TrainerError(`merge failed: ${event.message ?? (stderr.trim().split('\n').at(-1) || 'no output')}`, {
            cause: stderr,
          }),
        );
    });
  });
}

export type { MergedModel } from './adapters.ts';
