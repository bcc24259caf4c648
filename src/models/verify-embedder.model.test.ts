import { execFile as execFileCallback } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsDir } from '../paths.ts';
import { ModelError } from '../errors.ts';
import { DEFAULT_EMBEDDER_ID, MINILM_SOURCE_DIR } from './catalog.ts';
import { MINILM_REFERENCE } from './pull.ts';
import { PYTHON_DIR, ensurePythonEnv } from './python-env.ts';
import { TransformersEmbedder } from '../embed/transformers-embedder.ts';
import { openStore } from '../store/open.ts';
import { sha256File } from './sha256.ts';
import {
  EXPORT_TOLERANCE,
  QUANTIZED_MIN_COSINE,
  checkExport,
  checkQuantized,
  lowestCosine,
  measureExport,
  quantizedOnnx,
  readReference,
  type EmbeddingReference,
} from './verify-embedder.ts';

const execFile = promisify(execFileCallback);
let dir: string;
let copy: string;
let reference: EmbeddingReference;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-export-'));
  copy = join(dir, DEFAULT_EMBEDDER_ID);
  await cp(join(modelsDir(), DEFAULT_EMBEDDER_ID), copy, { recursive: true });
  await rm(join(copy, 'export-check.json'), { force: true });
  await rm(join(copy, 'quantized-check.json'), { force: true });
  reference = await readReference(MINILM_REFERENCE);
});

/** A stand-in for a different model: the reference of each sentence given to the next one. */
async function shiftedReference(name: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(
    file,
    JSON.stringify({ sentences: reference.sentences, vectors: [...reference.vectors.slice(1), reference.vectors[0]] }),
  );
  return file;
}

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the embedder export is checked against PyTorch at set-up', () => {
  it('the committed reference is what PyTorch computes from the sha256-checked safetensors', async () => {
    const python = await ensurePythonEnv();
    const sentences = join(dir, 'sentences.json');
    await writeFile(sentences, JSON.stringify(reference.sentences));
    const { stdout } = await execFile(python, [
      join(PYTHON_DIR, 'reference_embeddings.py'),
      join(modelsDir(), MINILM_SOURCE_DIR),
      sentences,
    ]);
    const fresh = JSON.parse(stdout) as EmbeddingReference;
    const deviation = Math.max(
      ...fresh.vectors.flatMap((row, r) => row.map((value, i) => Math.abs(value - reference.vectors[r]![i]!))),
    );
    // Both sides are rounded to 6 decimals, so a last-bit float32 difference (PyTorch splits the matmuls by the
    // threads it gets) can flip one rounding: one step of 1e-6 (plus float64 noise) is the same model; a different
    // model or a broken export deviates by far more.
    expect(deviation).toBeLessThan(1.5e-6);
  }, 120_000);

  it('the ONNX export used by transformers.js reproduces the reference within the tolerance, and the check is stamped', async () => {
    expect(await measureExport(copy, reference)).toBeLessThan(EXPORT_TOLERANCE);
    const first = await checkExport(copy, MINILM_REFERENCE);
    expect(first.cached).toBe(false);
    expect(first.onnxSha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await checkExport(copy, MINILM_REFERENCE)).cached).toBe(true);
  });

  it('an export whose outputs differ from the reference is an error naming the deviation', async () => {
    const shifted = await shiftedReference('shifted.json');
    await rm(join(copy, 'export-check.json'), { force: true });
    const failure = await checkExport(copy, shifted).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelError);
    expect((failure as Error).message).toMatch(
      /differ from the PyTorch reference by up to \d\.\d+e-\d+ \(tolerance 0\.0001\)/,
    );
  });

  it('a changed ONNX file is checked again rather than trusted from the stamp', async () => {
    await checkExport(copy, MINILM_REFERENCE);
    const stamp = JSON.parse(await readFile(join(copy, 'export-check.json'), 'utf8')) as { onnxSha256: string };
    await writeFile(join(copy, 'export-check.json'), JSON.stringify({ ...stamp, onnxSha256: '0'.repeat(64) }));
    const again = await checkExport(copy, MINILM_REFERENCE);
    expect(again.cached).toBe(false);
    expect(again.onnxSha256).toBe(stamp.onnxSha256);
  });
});

describe('the int8 embedder (embedder.dtype: q8) is made from the checked export and checked against PyTorch', () => {
  it('python/quantize_onnx.py makes the same file pull made, byte for byte', async () => {
    const python = await ensurePythonEnv();
    const again = join(dir, 'again.onnx');
    await execFile(python, [join(PYTHON_DIR, 'quantize_onnx.py'), join(copy, 'onnx', 'model.onnx'), again]);
    expect(await sha256File(again)).toBe(await sha256File(quantizedOnnx(copy)));
  }, 120_000);

  it('its vectors stay above the cosine floor but are not the fp32 ones, the check is stamped, and its id differs', async () => {
    const first = await checkQuantized(copy, MINILM_REFERENCE);
    expect(first.cached).toBe(false);
    expect(first.minCosine).toBeGreaterThanOrEqual(QUANTIZED_MIN_COSINE);
    // int8 weights: close to the reference, yet measurably not the fp32 model (which matches to ~1e-6)
    expect(first.minCosine).toBeLessThan(0.9999);
    expect((await checkQuantized(copy, MINILM_REFERENCE)).cached).toBe(true);
    const q8 = await TransformersEmbedder.load({ model: DEFAULT_EMBEDDER_ID, modelsDir: dir, dtype: 'q8' });
    const fp32 = await TransformersEmbedder.load({ model: DEFAULT_EMBEDDER_ID, modelsDir: dir });
    try {
      // a collection records the id: one built with fp32 vectors is not searched with int8 ones
      expect([q8.id, fp32.id]).toEqual([`${DEFAULT_EMBEDDER_ID}:q8`, DEFAULT_EMBEDDER_ID]);
      const home = join(dir, 'home');
      const built = await openStore({ home, collection: 'fp32', embedderId: fp32.id, dimension: 384, create: true });
      await built.dispose();
      await expect(
        openStore({ home, collection: 'fp32', embedderId: q8.id, dimension: 384, create: false }),
      ).rejects.toThrow(
        /was embedded with all-MiniLM-L6-v2 \(384-d\) but the configured embedder is all-MiniLM-L6-v2:q8/,
      );
      const sentences = reference.sentences;
      expect(lowestCosine(await q8.embed(sentences), await fp32.embed(sentences))).toBeGreaterThan(
        QUANTIZED_MIN_COSINE,
      );
    } finally {
      await Promise.all([q8.dispose(), fp32.dispose()]);
    }
  });

  it('an int8 file whose vectors are off is an error naming the cosine', async () => {
    const shifted = await shiftedReference('shifted-q8.json');
    await rm(join(copy, 'quantized-check.json'), { force: true });
    const failure = await checkQuantized(copy, shifted).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelError);
    expect((failure as Error).message).toMatch(/reach only cosine 0\.\d{4} to the PyTorch reference \(floor 0\.97\)/);
  });
});
