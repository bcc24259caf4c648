import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The config file read from the working folder when `--config` is not given. */
export const CONFIG_FILE = 'attune.config.json';

/** Where cached downloads (models, Node, the Python venv) live: shared by every clone of attune. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'attune');
}

export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ATTUNE_MODELS ? resolve(env.ATTUNE_MODELS) : join(cacheDir(env), 'models');
}

/** The project's state folder: collections, runs, adapters. */
export function homeDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, flag ?? env.ATTUNE_HOME ?? '.attune');
}

export function collectionDir(home: string, collection: string): string {
  return join(home, 'collections', collection);
}
