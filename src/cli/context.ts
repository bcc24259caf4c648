import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/config.ts';
import { homeDir } from '../config/paths.ts';
import { UsageError } from '../errors.ts';

/** What every command gets from the global flags: loaded once at the edge, then passed down. */
export interface CliContext {
  home: string;
  config: Config;
  env: NodeJS.ProcessEnv;
}

export function cliContext(command: Command): CliContext {
  const globals = command.optsWithGlobals() as { home?: string; config?: string; store?: string };
  const overrides = globals.store ? { store: globals.store } : undefined;
  return { home: homeDir(globals.home), config: loadConfig({ path: globals.config, overrides }), env: process.env };
}

/** Prints a result: JSON when asked, else the human rendering. */
export function output(json: boolean | undefined, value: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

export function parsePositiveInt(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return number;
}

export function parseNumber(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`${flag} must be a number, got "${value}"`);
  return number;
}
