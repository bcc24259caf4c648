import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONFIG_FILE, homeDir } from '../paths.ts';

/**
 * The home and the store URL, for commands that only list or move collections. A config file is
 * loaded and checked as by every command (cliContext); without one, as is usual, the defaults hold
 * and the config schema (zod) need not load, which keeps `attune collections list` quick to start.
 */
export async function storeContext(command: Command): Promise<{ home: string; store: string | undefined }> {
  const globals = command.optsWithGlobals() as { home?: string; config?: string; store?: string };
  if (globals.config !== undefined || existsSync(resolve(CONFIG_FILE))) {
    const { cliContext } = await import('./context.ts');
    const context = cliContext(command);
    return { home: context.home, store: context.config.store };
  }
  return { home: homeDir(globals.home), store: globals.store };
}
