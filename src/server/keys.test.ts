import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canAccessCollection, createKey, hasOperation, KeyVerifier, keysPath, listKeys, revokeKey } from './keys.ts';

describe('API keys', () => {
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-keys-'));
    homes.push(dir);
    return dir;
  };
  afterEach(() => homes.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('stores only a salted hash and verifies the printed key', () => {
    const dir = home();
    const { key, scope } = createKey(dir, { collections: ['a', 'b'], ops: ['read'], labels: ['x'] });
    const file = readFileSync(keysPath(dir), 'utf8');
    expect(file).not.toContain(key.split('_').slice(2).join('_')); // the secret may itself contain '_'
    expect(file).toContain(scope.id);
    const verified = new KeyVerifier(dir).verify(key);
    expect(verified).toEqual({ id: scope.id, name: scope.id, collections: ['a', 'b'], ops: ['read'], labels: ['x'] });
  });

  it('refuses a wrong secret, a malformed key and a revoked key', () => {
    const dir = home();
    const { key, scope } = createKey(dir, { collections: ['*'], ops: ['admin'], labels: undefined });
    const verifier = new KeyVerifier(dir);
    const tampered = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
    expect(verifier.verify(tampered)).toBeUndefined();
    expect(verifier.verify('not-a-key')).toBeUndefined();
    expect(verifier.verify(key)?.id).toBe(scope.id);
    expect(revokeKey(dir, scope.id)).toBe(true);
    expect(verifier.verify(key)).toBeUndefined();
    expect(listKeys(dir)).toEqual([]);
  });

  it('scopes collections and operations; admin implies the others', () => {
    const scope = { id: 'k', name: 'k', collections: ['a'], ops: ['read' as const], labels: [] };
    expect(canAccessCollection(scope, 'a')).toBe(true);
    expect(canAccessCollection(scope, 'b')).toBe(false);
    expect(hasOperation(scope, 'read')).toBe(true);
    expect(hasOperation(scope, 'ingest')).toBe(false);
    expect(hasOperation({ ...scope, ops: ['admin'] }, 'ingest')).toBe(true);
    expect(canAccessCollection({ ...scope, collections: ['*'] }, 'anything')).toBe(true);
  });
});
