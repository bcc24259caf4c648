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
import {
  EXPORT_TOLERANCE,
  checkExport,
  measureExport,
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
  reference = await readReference(MINILM_REFERENCE);
});

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
    // stand-in for a different export: the reference of each sentence is given to the next one
    const shifted = join(dir, 'shifted.json');
    await writeFile(
      shifted,
      JSON.stringify({
        sentences: reference.sentences,
        vectors: [...reference.vectors.slice(1), reference.vectors[0]],
      }),
    );
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
