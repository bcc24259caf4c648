import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../errors.ts';
import { adaptersDir, type AdapterMeta, type AdapterScope } from '../tune/adapters.ts';
import { assertUsableAdapter, type ParityResult } from '../tune/parity-judge.ts';
import { canAccessCollection, type KeyScope } from './keys.ts';
import type { Runtime } from '../runtime/runtime.ts';

function readMeta(home: string, name: string): Partial<AdapterMeta> | undefined {
  const file = join(adaptersDir(home), name, 'meta.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<AdapterMeta>;
  } catch {
    return undefined;
  }
}

/** The scope recorded in adapters/<name>/meta.json; undefined when none was recorded (or no meta.json). */
export function adapterScope(home: string, name: string): AdapterScope | undefined {
  const scope = readMeta(home, name)?.scope;
  return scope && Array.isArray(scope.collections) && Array.isArray(scope.labels) ? scope : undefined;
}

/** The export parity result recorded in meta.json (undefined: never checked). */
export function adapterParity(home: string, name: string): ParityResult | undefined {
  const parity = readMeta(home, name)?.parity;
  return parity && typeof parity.status === 'string' ? parity : undefined;
}

/** A degraded adapter is refused (409, naming the failed check) unless the server runs with --allow-degraded. */
export function requireServableAdapter(resources: Runtime, name: string, options: { allowDegraded?: boolean }): void {
  assertUsableAdapter(name, adapterParity(resources.home, name), options);
}

/**
 * An adapter memorises its training data: a key sees or uses it only when allowed every collection and
 * every label the data came from. Without a recorded scope, only a key for every collection and label may.
 */
export function canUseAdapter(key: KeyScope, scope: AdapterScope | undefined): boolean {
  if (!scope) return key.collections.includes('*') && key.labels === undefined;
  if (!scope.collections.every((collection) => canAccessCollection(key, collection))) return false;
  return key.labels === undefined || scope.labels.every((label) => key.labels!.includes(label));
}

/** The registered adapters this key may see. */
export function visibleAdapters(resources: Runtime, key: KeyScope): string[] {
  return resources.adapters().filter((name) => canUseAdapter(key, adapterScope(resources.home, name)));
}

/** 404 (as for a missing one) when the adapter is not registered or not for this key. */
export function requireVisibleAdapter(resources: Runtime, key: KeyScope, name: string): void {
  // the name is not echoed: nothing in a refusal should name what the key may not see
  if (!visibleAdapters(resources, key).includes(name)) throw new ModelError('unknown adapter: see GET /v1/adapters');
}
