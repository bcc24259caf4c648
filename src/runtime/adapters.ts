import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where `attune tune` registers an adapter's GGUF file. */
export function adapterGgufPath(home: string, name: string): string {
  return join(home, 'adapters', name, 'adapter.gguf');
}

/** Adapter names registered under <home>/adapters/<name>/adapter.gguf, sorted. */
export function adapterNames(home: string): string[] {
  const dir = join(home, 'adapters');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(adapterGgufPath(home, entry.name)))
    .map((entry) => entry.name)
    .sort();
}
