import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.ts';
import { commitFolder, stageFolder } from '../io/staged-folder.ts';
import type { ParityResult } from './parity-judge.ts';
import type { LossPoint } from './trainer.ts';

/**
 * Where an adapter's training data came from. An adapter memorises its data, so only a key allowed
 * every one of these collections and labels may see or use it; an adapter without a scope (data of
 * unknown origin) is for keys that hold every collection and every label.
 */
export interface AdapterScope {
  collections: string[];
  /** Every access label of the chunks the data was made from ([] when none was labelled). */
  labels: string[];
}

/** What `attune adapters show` prints; written as meta.json next to adapter.gguf and peft/. */
/** `attune adapters merge`: the merged GGUF and its own parity check. */
export interface MergedModel {
  path: string;
  type: 'q8_0' | 'f16';
  bytes: number;
  tensors: number;
  createdAt: string;
  /** The export parity check of the merged file against PyTorch + PEFT (absent when it could not run). */
  parity?: ParityResult;
}

export interface AdapterMeta {
  name: string;
  scope?: AdapterScope;
  createdAt: string;
  trainer: string;
  baseModel: string;
  data: { file: string; sha256: string; train: number; val: number; skippedLines: number };
  hyperparameters: {
    epochs: number;
    lr: number;
    rank: number;
    alpha: number;
    dropout: number;
    batchSize: number;
    maxSeqLen: number;
    maxSteps?: number;
    seed: number;
    /** nf4: trained on a 4-bit NF4 base (QLoRA); the adapter applies to the full-precision base. */
    quantize?: 'nf4';
  };
  steps: number;
  trainLoss: number;
  valLoss: number | null;
  lossCurve: LossPoint[];
  wallSeconds: number;
  tokensPerSecond: number;
  /** Data-parallel processes that trained it (absent: one). The batch size is the global batch either way. */
  processes?: number;
  /** The export parity check's result (absent: trained before the check existed, or with --no-parity). */
  parity?: ParityResult;
  /** `attune adapters merge`: the base with this adapter folded in, and its own parity check. */
  merged?: MergedModel;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function adaptersDir(home: string): string {
  return join(home, 'adapters');
}

export function checkAdapterName(name: string): string {
  if (!NAME.test(name))
    throw new UsageError(`adapter name "${name}" is not valid: use letters, digits, '.', '_' or '-' (at most 64)`);
  return name;
}

/**
 * A fresh temp folder next to the registry; `commitAdapter` renames it into place. What a killed run of the
 * same adapter left is settled first: its staging folders are removed, and an adapter it was replacing is put
 * back (or dropped, when the new one was already in place).
 */
export async function stagingDir(home: string, name: string): Promise<string> {
  return stageFolder(adaptersDir(home), name);
}

/**
 * Writes meta.json into the staged folder and renames it to adapters/<name>. An adapter it replaces is first
 * moved to a hidden `.replaced-NAME-PID`, so a kill between the two renames leaves nothing half-registered in
 * the listing; the next run of the same name puts it back (see `stagingDir`).
 */
export async function commitAdapter(home: string, staged: string, meta: AdapterMeta): Promise<string> {
  await writeFile(join(staged, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return commitFolder(adaptersDir(home), staged, meta.name);
}

export async function listAdapters(home: string): Promise<AdapterMeta[]> {
  const dir = adaptersDir(home);
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir))
    .filter((name) => !name.startsWith('.') && existsSync(join(dir, name, 'meta.json')))
    .sort();
  return Promise.all(names.map((name) => loadAdapter(home, name)));
}

export async function loadAdapter(home: string, name: string): Promise<AdapterMeta> {
  const file = join(adaptersDir(home), checkAdapterName(name), 'meta.json');
  if (!existsSync(file)) throw new UsageError(`unknown adapter "${name}": see \`attune adapters list\``);
  return JSON.parse(await readFile(file, 'utf8')) as AdapterMeta;
}

export async function removeAdapter(home: string, name: string): Promise<void> {
  await loadAdapter(home, name);
  await rm(join(adaptersDir(home), name), { recursive: true, force: true });
}
