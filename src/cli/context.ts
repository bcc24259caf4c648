import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/config.ts';
import { homeDir } from '../config/paths.ts';
import { UsageError } from '../errors.ts';
import { modelSpecProblem } from '../models/resolve.ts';
import { embedderFolder } from '../tune/embedder/registry.ts';

export { output } from './output.ts';

/** What every command gets from the global flags: loaded once at the edge, then passed down. */
export interface CliContext {
  home: string;
  config: Config;
  env: NodeJS.ProcessEnv;
}

export function cliContext(command: Command): CliContext {
  const globals = command.optsWithGlobals() as {
    home?: string;
    config?: string;
    store?: string;
    model?: string;
    rerank?: boolean;
    embedder?: string;
  };
  const home = homeDir(globals.home);
  const overrides = globals.store ? { store: globals.store } : undefined;
  const loaded = withModel(loadConfig({ path: globals.config, overrides }), globals.model);
  const reranked = globals.rerank ? { ...loaded, retrieval: { ...loaded.retrieval, rerank: true } } : loaded;
  const config = globals.embedder ? withTunedEmbedder(reranked, home, globals.embedder) : reranked;
  return { home, config, env: process.env };
}

/** `--embedder NAME`: the tuned embedder registered under the home replaces the config's embedder. */
export function withTunedEmbedder(config: Config, home: string, name: string): Config {
  const folder = embedderFolder(home, name);
  if (!existsSync(join(folder, 'meta.json')))
    throw new UsageError(`--embedder: no tuned embedder "${name}" in ${home}: see \`attune models list\``, {
      input: name,
    });
  return { ...config, embedder: { provider: 'transformers', model: folder } };
}

/** Commands that generate take `--model NAME|PATH`; cliContext applies it to the loaded config. */
export const MODEL_FLAG = '--model <name|path>';
export const MODEL_FLAG_HELP =
  'generation model: a catalog name (`attune models list`) or a GGUF file; overrides generator.model';

/**
 * `--model` replaces the config's generator model: for the local llama generator a catalog name or a
 * path (checked like the config field), for an OpenAI-compatible generator the remote model's name.
 */
export function withModel(config: Config, model: string | undefined): Config {
  if (model === undefined) return config;
  if (config.generator.provider === 'openai') return { ...config, generator: { ...config.generator, model } };
  const problem = existsSync(model) ? undefined : modelSpecProblem(model);
  if (problem) throw new UsageError(`--model: ${problem}`, { input: model });
  return { ...config, generator: { ...config.generator, model } };
}

export function parsePositiveInt(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return number;
}

export function parseNumber(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return number;
}
