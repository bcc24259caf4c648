import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from '../io/atomic-write.ts';

/** sha256 over the JSON of the parts: the key of a step's inputs and settings. */
export function contentHash(...parts: unknown[]): string {
  const hash = createHash('sha256');
  for (const part of parts)
    hash.update(typeof part === 'string' ? part : (JSON.stringify(part) ?? 'undefined')).update('\u0000');
  return hash.digest('hex');
}

/** Step results stored as JSON files named by their key, so a rerun with the same inputs reuses them. */
export class StepCache {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  path(step: string, key: string, extension = 'json'): string {
    return join(this.dir, `${step}-${key.slice(0, 16)}.${extension}`);
  }

  async get<T>(step: string, key: string): Promise<T | undefined> {
    const file = this.path(step, key);
    if (!existsSync(file)) return undefined;
    return JSON.parse(await readFile(file, 'utf8')) as T;
  }

  async set<T>(step: string, key: string, value: T): Promise<T> {
    await writeAtomic(this.path(step, key), `${JSON.stringify(value)}\n`);
    return value;
  }
}

export { writeAtomic };
