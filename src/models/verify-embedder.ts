import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Embedder } from '../embed/embedder.ts';
import { TransformersEmbedder } from '../embed/transformers-embedder.ts';
import { ModelError } from '../errors.ts';
import { sha256File } from './sha256.ts';
import { writeAtomic } from '../io/atomic-write.ts';

/**
 * Reference embeddings of a few fixed sentences, computed with PyTorch from the sha256-checked
 * safetensors (python/reference_embeddings.py) and committed beside this file.
 */
export interface EmbeddingReference {
  sentences: string[];
  vectors: number[][];
}

export interface ExportCheck {
  onnxSha256: string;
  /** Largest absolute difference over every dimension of every reference sentence. */
  maxAbsDiff: number;
  tolerance: number;
  checkedAt: string;
}

/** fp32 ONNX Runtime vs PyTorch differ by ~1e-6; a different model or pooling differs by > 1e-2. */
export const EXPORT_TOLERANCE = 1e-4;
const STAMP = 'export-check.json';

export async function readReference(file: string): Promise<EmbeddingReference> {
  return JSON.parse(await readFile(file, 'utf8')) as EmbeddingReference;
}

/** Embeds the reference sentences with the exported folder and returns the largest deviation. */
export async function measureExport(folder: string, reference: EmbeddingReference): Promise<number> {
  const embedder = await TransformersEmbedder.load({ model: basename(folder), modelsDir: dirname(folder) });
  try {
    return await maxDeviation(embedder, reference);
  } finally {
    await embedder.dispose();
  }
}

/** The largest absolute difference between the embedder's vectors and the reference's, over every dimension. */
export async function maxDeviation(embedder: Embedder, reference: EmbeddingReference): Promise<number> {
  const vectors = await embedder.embed(reference.sentences);
  let max = 0;
  reference.vectors.forEach((expected, row) => {
    const actual = vectors[row]!;
    if (actual.length !== expected.length) max = Number.POSITIVE_INFINITY;
    else expected.forEach((value, i) => (max = Math.max(max, Math.abs(value - actual[i]!))));
  });
  return max;
}

/**
 * Checks an embedder export once: its outputs on the reference sentences must match the PyTorch
 * reference within EXPORT_TOLERANCE. The result is stamped with the ONNX file's sha256, so later
 * set-ups only re-hash the file, and any change to it (a re-export, a corrupt copy) is checked again.
 * Throws a ModelError naming the deviation when the export does not match.
 */
export async function checkExport(folder: string, referenceFile: string): Promise<ExportCheck & { cached: boolean }> {
  return stampedCheck<ExportCheck>(
    join(folder, 'onnx', 'model.onnx'),
    join(folder, STAMP),
    (stamp) => stamp.maxAbsDiff <= EXPORT_TOLERANCE,
    async (onnxSha256) => {
      const maxAbsDiff = await measureExport(folder, await readReference(referenceFile));
      if (!(maxAbsDiff <= EXPORT_TOLERANCE)) {
        throw new ModelError(
          `${folder}: the exported embedding model's outputs differ from the PyTorch reference by up to ${maxAbsDiff.toExponential(2)} ` +
            `(tolerance ${EXPORT_TOLERANCE}); the export is not the pinned model — delete the folder and run \`attune models pull\` again`,
          { input: folder },
        );
      }
      return { onnxSha256, maxAbsDiff, tolerance: EXPORT_TOLERANCE, checkedAt: new Date().toISOString() };
    },
  );
}

/**
 * A check of one ONNX file, run once: a stamp beside it records the file's sha256 and the result, so later
 * set-ups only re-hash the file, and any change to it (a re-export, a corrupt copy) is checked again.
 */
async function stampedCheck<T extends { onnxSha256: string }>(
  onnx: string,
  stampFile: string,
  passes: (stamp: T) => boolean,
  measure: (onnxSha256: string) => Promise<T>,
): Promise<T & { cached: boolean }> {
  if (!existsSync(onnx)) throw new ModelError(`${onnx} is missing: run \`attune models pull\``, { input: onnx });
  const onnxSha256 = await sha256File(onnx);
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(await readFile(stampFile, 'utf8')) as T;
    if (stamp.onnxSha256 === onnxSha256 && passes(stamp)) return { ...stamp, cached: true };
  }
  const check = await measure(onnxSha256);
  await writeAtomic(stampFile, `${JSON.stringify(check, null, 2)}\n`);
  return { ...check, cached: false };
}

export interface QuantizedCheck {
  onnxSha256: string;
  /** Lowest cosine similarity between the quantised model's vector and the PyTorch reference, over the sentences. */
  minCosine: number;
  floor: number;
  checkedAt: string;
}

/**
 * int8 weights move each vector a little (cosine ~0.99 to fp32); a broken quantisation or a different model
 * lands far lower. The floor is a sanity check, not a quality measure: bench:fusion's nDCG is.
 */
export const QUANTIZED_MIN_COSINE = 0.97;
const QUANTIZED_STAMP = 'quantized-check.json';

/** The quantised file transformers.js loads for `dtype: q8`. */
export function quantizedOnnx(folder: string): string {
  return join(folder, 'onnx', 'model_quantized.onnx');
}

/**
 * Checks the q8 model of an export folder once against the PyTorch reference: every reference sentence's
 * vector must have cosine ≥ QUANTIZED_MIN_COSINE to the reference's. Stamped with the file's sha256, as
 * `checkExport` does. Throws a ModelError naming the lowest cosine when it is below the floor.
 */
export async function checkQuantized(
  folder: string,
  referenceFile: string,
): Promise<QuantizedCheck & { cached: boolean }> {
  const onnx = quantizedOnnx(folder);
  return stampedCheck<QuantizedCheck>(
    onnx,
    join(folder, QUANTIZED_STAMP),
    (stamp) => stamp.minCosine >= QUANTIZED_MIN_COSINE,
    async (onnxSha256) => {
      const reference = await readReference(referenceFile);
      const embedder = await TransformersEmbedder.load({
        model: basename(folder),
        modelsDir: dirname(folder),
        dtype: 'q8',
      });
      let minCosine: number;
      try {
        minCosine = lowestCosine(await embedder.embed(reference.sentences), reference.vectors);
      } finally {
        await embedder.dispose();
      }
      if (!(minCosine >= QUANTIZED_MIN_COSINE)) {
        throw new ModelError(
          `${onnx}: the int8 model's vectors reach only cosine ${minCosine.toFixed(4)} to the PyTorch reference ` +
            `(floor ${QUANTIZED_MIN_COSINE}); delete the file and run \`attune models pull\` again`,
          { input: onnx },
        );
      }
      return { onnxSha256, minCosine, floor: QUANTIZED_MIN_COSINE, checkedAt: new Date().toISOString() };
    },
  );
}

/** The lowest cosine similarity between each vector and its expected one (vectors of any norm). */
export function lowestCosine(actual: ArrayLike<number>[], expected: ArrayLike<number>[]): number {
  let lowest = Number.POSITIVE_INFINITY;
  expected.forEach((e, row) => {
    const a = actual[row];
    if (!a || a.length !== e.length) {
      lowest = Number.NEGATIVE_INFINITY;
      return;
    }
    let [dot, na, ne] = [0, 0, 0];
    for (let i = 0; i < e.length; i++) {
      dot += a[i]! * e[i]!;
      na += a[i]! * a[i]!;
      ne += e[i]! * e[i]!;
    }
    lowest = Math.min(lowest, dot / Math.sqrt(na * ne));
  });
  return lowest;
}
