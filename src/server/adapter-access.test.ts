import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterScope, canUseAdapter } from './adapter-access.ts';
import type { KeyScope } from './keys.ts';

const key = (collections: string[], labels: string[] | undefined): KeyScope => ({
  id: 'k',
  name: 'k',
  collections,
  ops: ['read'],
  labels,
});

describe('adapter access', () => {
  const home = mkdtempSync(join(tmpdir(), 'attune-adapter-access-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('lets a key use an adapter only when it is allowed every collection and label of the training data', () => {
    const hr = { collections: ['handbook'], labels: ['hr'] };
    expect(canUseAdapter(key(['handbook'], ['hr', 'it']), hr)).toBe(true);
    expect(canUseAdapter(key(['handbook'], undefined), hr)).toBe(true);
    expect(canUseAdapter(key(['handbook'], []), hr)).toBe(false);
    expect(canUseAdapter(key(['other'], undefined), hr)).toBe(false);
    expect(canUseAdapter(key(['handbook'], ['hr']), { collections: ['handbook', 'other'], labels: [] })).toBe(false);
    expect(canUseAdapter(key(['*'], []), { collections: ['handbook', 'other'], labels: [] })).toBe(true);
  });

  it('keeps an adapter of unknown origin for keys that hold every collection and label', () => {
    expect(canUseAdapter(key(['*'], undefined), undefined)).toBe(true);
    expect(canUseAdapter(key(['*'], []), undefined)).toBe(false);
    expect(canUseAdapter(key(['handbook'], undefined), undefined)).toBe(false);
  });

  it('reads the scope from meta.json and treats a missing or malformed one as unknown', () => {
    for (const [name, meta] of [
      ['scoped', { scope: { collections: ['a'], labels: ['x'] } }],
      ['plain', {}],
      ['broken', { scope: { collections: 'a' } }],
    ] as const) {
      mkdirSync(join(home, 'adapters', name), { recursive: true });
      writeFileSync(join(home, 'adapters', name, 'meta.json'), JSON.stringify(meta));
    }
    expect(adapterScope(home, 'scoped')).toEqual({ collections: ['a'], labels: ['x'] });
    expect(adapterScope(home, 'plain')).toBeUndefined();
    expect(adapterScope(home, 'broken')).toBeUndefined();
    expect(adapterScope(home, 'missing')).toBeUndefined();
  });
});
