import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { writeAtomicSync } from '../io/atomic-write.ts';

export const OPERATIONS = ['read', 'ingest', 'admin'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** What a verified key may do. `collections: ['*']` → all; `labels: undefined` → every label (only `--labels '*'`). */
export interface KeyScope {
  id: string;
  name: string;
  collections: string[];
  ops: Operation[];
  /** The access labels the key holds; a chunk is visible when it has no labels or shares one. */
  labels: string[] | undefined;
}

const KeyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  salt: z.string(),
  hash: z.string(),
  collections: z.array(z.string()),
  ops: z.array(z.enum(OPERATIONS)),
  labels: z.array(z.string()).nullable(),
  createdAt: z.string(),
});
type KeyRecord = z.infer<typeof KeyRecordSchema>;
const KeyFileSchema = z.object({ keys: z.array(KeyRecordSchema) });

export function keysPath(home: string): string {
  return join(home, 'keys.json');
}

// The secret is 256 random bits, so a salted sha256 is enough (a slow password hash such as
// scrypt protects low-entropy secrets and would cost ~50 ms of CPU on every request).
function hashSecret(salt: string, secret: string): string {
  return createHash('sha256').update(salt).update(secret).digest('hex');
}

function readKeys(home: string): KeyRecord[] {
  const path = keysPath(home);
  if (!existsSync(path)) return [];
  const parsed = KeyFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new UsageError(
      `${path}: field "${parsed.error.issues[0]!.path.join('.')}": ${parsed.error.issues[0]!.message}`,
      { input: path },
    );
  return parsed.data.keys;
}

function writeKeys(home: string, keys: KeyRecord[]): void {
  const path = keysPath(home);
  writeAtomicSync(path, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
}

export interface CreateKeyOptions {
  name?: string;
  collections: string[];
  ops: Operation[];
  /** `undefined` → all labels; `[]` → only unlabelled chunks. */
  labels: string[] | undefined;
}

/** Creates a key and returns its secret: the only time the plain key exists. */
export function createKey(home: string, options: CreateKeyOptions): { key: string; scope: KeyScope } {
  if (options.collections.length === 0) throw new UsageError('a key needs at least one collection (or "*")');
  if (options.ops.length === 0) throw new UsageError('a key needs at least one operation: read, ingest or admin');
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('hex');
  const record: KeyRecord = {
    id,
    name: options.name ?? id,
    salt,
    hash: hashSecret(salt, secret),
    collections: options.collections,
    ops: options.ops,
    labels: options.labels ?? null,
    createdAt: new Date().toISOString(),
  };
  writeKeys(home, [...readKeys(home), record]);
  return { key: `atk_${id}_${secret}`, scope: toScope(record) };
}

export function listKeys(home: string): KeyScope[] {
  return readKeys(home).map(toScope);
}

export function revokeKey(home: string, id: string): boolean {
  const keys = readKeys(home);
  const kept = keys.filter((k) => k.id !== id && k.name !== id);
  if (kept.length === keys.length) return false;
  writeKeys(home, kept);
  return true;
}

function toScope(record: KeyRecord): KeyScope {
  return {
    id: record.id,
    name: record.name,
    collections: record.collections,
    ops: record.ops,
    labels: record.labels ?? undefined,
  };
}

/** Verifies presented keys against keys.json (re-read when the file changes). */
export class KeyVerifier {
  readonly #home: string;
  #loadedAt = -1;
  #records = new Map<string, KeyRecord>();

  constructor(home: string) {
    this.#home = home;
  }

  verify(presented: string): KeyScope | undefined {
    const match = /^atk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(presented);
    if (!match) return undefined;
    this.#refresh();
    const record = this.#records.get(match[1]!);
    if (!record) return undefined;
    const expected = Buffer.from(record.hash, 'hex');
    const actual = Buffer.from(hashSecret(record.salt, match[2]!), 'hex');
    return timingSafeEqual(expected, actual) ? toScope(record) : undefined;
  }

  #refresh(): void {
    const path = keysPath(this.#home);
    const mtime = existsSync(path) ? statSync(path).mtimeMs : 0;
    if (mtime === this.#loadedAt) return;
    this.#records = new Map(readKeys(this.#home).map((r) => [r.id, r]));
    this.#loadedAt = mtime;
  }
}

export function canAccessCollection(scope: KeyScope, collection: string): boolean {
  return scope.collections.includes('*') || scope.collections.includes(collection);
}

export function hasOperation(scope: KeyScope, op: Operation): boolean {
  // admin implies every operation
  return scope.ops.includes(op) || scope.ops.includes('admin');
}
