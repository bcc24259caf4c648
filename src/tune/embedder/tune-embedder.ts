import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { Config } from '../../config/config.ts';
import type { Embedder } from '../../embed/embedder.ts';
import { TransformersEmbedder } from '../../embed/transformers-embedder.ts';
import { ModelError, UsageError } from '../../errors.ts';
import type { Generator } from '../../generate/generator.ts';
import { DEFAULT_EMBEDDER_ID, MINILM_SOURCE_DIR } from '../../models/catalog.ts';
import { EXPORT_TOLERANCE, maxDeviation, type EmbeddingReference } from '../../models/verify-embedder.ts';
import { modelsDir } from '../../paths.ts';
import type { Store } from '../../store/store.ts';
import type { ChunkRecord } from '../../types.ts';
import { compareScores, embedChunks, scoreRetrieval } from './evaluate.ts';
import { mineHardNegatives } from './negatives.ts';
import { generatePairs, readLabelledPairs, type GenerateMode, type PairSet } from './pairs.ts';
import { trainEmbedderInPython } from './python-embedder-trainer.ts';
import { commitEmbedder, embeddersDir, stageEmbedder, type EmbedderMeta } from './registry.ts';
import { heldOutQuestions, splitPairsByDocument } from './split.ts';

export interface TuneEmbedderOptions {
  home: string;
  name: string;
  collection: string;
  /** The collection, and the embedder it was built with (the base of the training). */
  store: Store;
  embedder: Embedder;
  /** The base's sentence-transformers folder (`trainableBase`). */
  baseDir: string;
  python: string;
  /** The user's labelled questions, or pairs generated from the collection. */
  source: { file: string } | { generate: GenerateMode; generator?: Generator };
  maxPairs?: number;
  /** Share of the documents whose pairs train; the rest are held out for the before/after check. */
  devFraction: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface TuneEmbedderResult {
  meta: EmbedderMeta;
  folder: string;
  trainDocuments: string[];
  heldOutDocuments: string[];
}

const REFERENCE_SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'How do I reset my password?',
  'Photosynthesis turns light into chemical energy.',
];

/**
 * The sentence-transformers folder an embedder config trains from: the pulled all-MiniLM-L6-v2 safetensors for
 * the default embedder, a tuned embedder's hf/ for one (so a tuned embedder can be tuned again). Remote
 * embedders have no weights to train.
 */
export function trainableBase(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  const spec = config.embedder;
  if (spec.provider !== 'transformers')
    throw new UsageError(
      `tune-embedder trains a local transformers embedder; the config's embedder is ${spec.provider} (${spec.model})`,
    );
  const model = spec.model ?? DEFAULT_EMBEDDER_ID;
  if (model === DEFAULT_EMBEDDER_ID) return join(modelsDir(env), MINILM_SOURCE_DIR);
  const folder = isAbsolute(model) ? model : join(modelsDir(env), model);
  const hf = join(folder, 'hf');
  if (!existsSync(join(hf, 'config.json')))
    throw new UsageError(
      `embedder ${model} has no PyTorch weights to train from (${hf} is missing): tune-embedder starts from ${DEFAULT_EMBEDDER_ID} or from an embedder it tuned`,
    );
  return hf;
}

async function allChunks(store: Store): Promise<ChunkRecord[]> {
  const chunks: ChunkRecord[] = [];
  for await (const page of store.exportChunks()) chunks.push(...page);
  return chunks.sort((a, b) => a.docId.localeCompare(b.docId) || a.position - b.position);
}

/**
 * `attune tune-embedder`: pairs (labelled or generated) → split by document → hard negatives from the training
 * documents → sentence-transformers training (python/train_embedder.py) → ONNX export checked against PyTorch →
 * nDCG@10 / recall@10 before and after on the held-out pairs → registered under <home>/embedders/<name>. Every
 * step writes into a staging folder that is renamed into place only at the end: a failure, a cancel or a kill
 * leaves no embedder under the name (and the old one, if any, untouched).
 */
export async function tuneEmbedder(options: TuneEmbedderOptions): Promise<TuneEmbedderResult> {
  const started = performance.now();
  const { store, embedder, signal } = options;
  const progress = options.onProgress ?? (() => {});
  const chunks = await allChunks(store);
  if (chunks.length === 0)
    throw new UsageError(`collection "${options.collection}" has no chunks: ingest documents first`);
  const set: PairSet =
    'file' in options.source
      ? await readLabelledPairs(options.source.file, chunks, embedder, { collection: options.collection, signal })
      : await generatePairs(chunks, {
          mode: options.source.generate,
          generator: options.source.generator,
          max: options.maxPairs,
          seed: options.seed,
          signal,
          onProgress: (done, total) => progress('generating pairs', done, total),
        });
  const split = splitPairsByDocument(set.pairs, options.devFraction);
  if (split.train.length < 2)
    throw new UsageError(
      `${'file' in options.source ? options.source.file : `collection ${options.collection}`}: ${split.train.length} training pair(s) after holding out ${split.heldOutDocuments.length} document(s); training needs at least 2 (${[...set.notes, `${set.pairs.length} pairs in all`].join('; ')})`,
    );
  const train = 'file' in options.source ? split.train.slice(0, options.maxPairs) : split.train;
  const heldOut = new Set(split.heldOutDocuments);
  const vectors = new Map(chunks.map((c) => [c.chunkId, c.vector]));
  progress('mining hard negatives', 0, train.length);
  const { rows, withNegative } = await mineHardNegatives(train, {
    embedder,
    pool: chunks.filter((c) => !heldOut.has(c.docId)),
    vectors,
    signal,
  });
  const staged = await stageEmbedder(options.home, options.name);
  // outside the staged folder: a failure removes that, and the message points at this folder's train.log
  const runDir = join(embeddersDir(options.home), `.run-${options.name}`);
  let tuned: Embedder | undefined;
  try {
    const data = rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
    const trainFile = join(staged, 'train-pairs.jsonl');
    await writeFile(trainFile, data);
    const questions = heldOutQuestions(split.heldOut);
    const trained = await trainEmbedderInPython(
      options.python,
      {
        baseDir: options.baseDir,
        trainFile,
        outputDir: staged,
        runDir,
        epochs: options.epochs,
        batchSize: options.batchSize,
        lr: options.lr,
        seed: options.seed,
        referenceSentences: [
          ...REFERENCE_SENTENCES,
          ...questions.slice(0, 3).map((q) => q.question),
          ...split.heldOut.slice(0, 2).map((p) => p.passage),
        ],
      },
      { env: options.env, signal, onStep: (step, total) => progress('training', step, total) },
    );
    tuned = await TransformersEmbedder.load({ model: basename(staged), modelsDir: dirname(staged) });
    const reference = JSON.parse(await readFile(join(staged, 'reference.json'), 'utf8')) as EmbeddingReference;
    const maxAbsDiff = await maxDeviation(tuned, reference);
    if (!(maxAbsDiff <= EXPORT_TOLERANCE))
      throw new ModelError(
        `the ONNX export of the tuned embedder differs from the trained PyTorch model by up to ${maxAbsDiff.toExponential(2)} (tolerance ${EXPORT_TOLERANCE}); nothing was registered`,
        { input: staged },
      );
    let scores: EmbedderMeta['heldOut'] = null;
    if (questions.length) {
      progress('held-out check', 0, chunks.length);
      const before = await scoreRetrieval(embedder, chunks, questions, { signal });
      const reembedded = await embedChunks(tuned, chunks, {
        signal,
        onProgress: (done, total) => progress('held-out check', done, total),
      });
      scores = compareScores(before, await scoreRetrieval(tuned, reembedded, questions, { signal }));
    }
    const meta: EmbedderMeta = {
      name: options.name,
      createdAt: new Date().toISOString(),
      base: { id: embedder.id, dir: options.baseDir },
      collection: options.collection,
      data: {
        source: 'file' in options.source ? options.source.file : `generated: ${options.source.generate}`,
        sha256: createHash('sha256').update(data).digest('hex'),
        pairs: { train: rows.length, heldOut: split.heldOut.length, withNegative, skipped: set.skipped },
        documents: { train: split.trainDocuments.length, heldOut: split.heldOutDocuments.length },
        notes: [
          ...set.notes,
          ...(split.droppedAsLeaks
            ? [`${split.droppedAsLeaks} training pair(s) dropped: their question is also asked of a held-out document`]
            : []),
          ...(questions.length ? [] : ['nothing held out (--dev-fraction 1): no before/after check']),
        ],
      },
      hyperparameters: {
        epochs: options.epochs,
        batchSize: options.batchSize,
        lr: options.lr,
        seed: options.seed,
        devFraction: options.devFraction,
      },
      steps: trained.steps,
      trainLoss: trained.trainLoss,
      lossCurve: trained.history,
      trainSeconds: trained.seconds,
      wallSeconds: (performance.now() - started) / 1000,
      export: { maxAbsDiff, tolerance: EXPORT_TOLERANCE, sentences: reference.sentences.length },
      heldOut: scores,
    };
    await tuned.dispose();
    tuned = undefined;
    await rm(runDir, { recursive: true, force: true });
    const folder = await commitEmbedder(options.home, staged, meta);
    return { meta, folder, trainDocuments: split.trainDocuments, heldOutDocuments: split.heldOutDocuments };
  } catch (error) {
    await tuned?.dispose().catch(() => {});
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}
