import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { adapterGgufPath } from './backends.ts';

/** Adapter names registered under <home>/adapters/<name>/adapter.gguf, sorted. */
export function adapterNames(home: string): string[] {
  const dir = join(home, 'adapters');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(adapterGgufPath(home, entry.name)))
    .map((entry) => entry.name)
    .sort();
}
