import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, UsageError } from '../../errors.ts';
import { commitFolder, stageFolder } from '../../io/staged-folder.ts';
import { DEFAULT_EMBEDDER_ID } from '../../models/catalog.ts';
import type { LossPoint } from '../trainer.ts';

/** Retrieval quality of one embedder on the held-out questions (exact cosine search over every chunk). */
export interface HeldOutScores {
  ndcg10: number;
  recall10: number;
}

/**
 * What `attune models list` shows of a tuned embedder; meta.json beside its ONNX export (transformers.js layout:
 * config.json, tokenizer files, onnx/model.onnx) and hf/ (the PyTorch folder, the base of a further tuning).
 */
export interface EmbedderMeta {
  name: string;
  createdAt: string;
  /** The embedder the collection was built with, which training started from. */
  base: { id: string; dir: string };
  collection: string;
  data: {
    /** The question file, or how the pairs were generated (`generated: cloze`, `generated: qa-llm`). */
    source: string;
    /** sha256 of the training rows as written for the trainer (question, passage, hard negative). */
    sha256: string;
    pairs: { train: number; heldOut: number; withNegative: number; skipped: number };
    documents: { train: number; heldOut: number };
    /** Reasons pairs were skipped, with counts. */
    notes: string[];
  };
  hyperparameters: { epochs: number; batchSize: number; lr: number; seed: number; devFraction: number };
  steps: number;
  trainLoss: number;
  lossCurve: LossPoint[];
  trainSeconds: number;
  wallSeconds: number;
  /** The ONNX export against the trained PyTorch model on reference sentences. */
  export: { maxAbsDiff: number; tolerance: number; sentences: number };
  /** Before and after on the held-out questions (null when nothing was held out). */
  heldOut: {
    questions: number;
    before: HeldOutScores;
    after: HeldOutScores;
    /** after − before in nDCG@10: paired bootstrap over the held-out questions. */
    test: { difference: number; low: number; high: number; p: number; n: number } | null;
  } | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function embeddersDir(home: string): string {
  return join(home, 'embedders');
}

/** The folder transformers.js loads (and `--embedder NAME` names). */
export function embedderFolder(home: string, name: string): string {
  return join(embeddersDir(home), checkEmbedderName(name));
}

/** A name for `<home>/embedders/<name>`; the base model's own id is refused (collections record the embedder by it). */
export function checkEmbedderName(name: string): string {
  if (!NAME.test(name))
    throw new UsageError(`embedder name "${name}" is not valid: use letters, digits, '.', '_' or '-' (at most 64)`);
  if (name === DEFAULT_EMBEDDER_ID)
    throw new UsageError(`embedder name "${name}" is the base model's: choose another name for the tuned one`);
  return name;
}

/** A fresh staging folder under <home>/embedders; only `commitEmbedder` makes it visible under its name. */
export function stageEmbedder(home: string, name: string): Promise<string> {
  return stageFolder(embeddersDir(home), checkEmbedderName(name));
}

/** Writes meta.json into the staged folder, then renames it to embedders/<name> (replacing an old one). */
export async function commitEmbedder(home: string, staged: string, meta: EmbedderMeta): Promise<string> {
  for (const file of ['config.json', 'tokenizer.json', join('onnx', 'model.onnx')])
    if (!existsSync(join(staged, file)))
      throw new ModelError(`the tuned embedder is incomplete (${file} is missing); nothing was registered`, {
        input: staged,
      });
  await writeFile(join(staged, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return commitFolder(embeddersDir(home), staged, meta.name);
}

export async function listEmbedders(home: string): Promise<EmbedderMeta[]> {
  const dir = embeddersDir(home);
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir))
    .filter((name) => !name.startsWith('.') && existsSync(join(dir, name, 'meta.json')))
    .sort();
  return Promise.all(names.map((name) => loadEmbedderMeta(home, name)));
}

export async function loadEmbedderMeta(home: string, name: string): Promise<EmbedderMeta> {
  const file = join(embedderFolder(home, name), 'meta.json');
  if (!existsSync(file))
    throw new ModelError(`unknown tuned embedder "${name}" in ${embeddersDir(home)}: see \`attune models list\``, {
      input: name,
    });
  return JSON.parse(await readFile(file, 'utf8')) as EmbedderMeta;
}
