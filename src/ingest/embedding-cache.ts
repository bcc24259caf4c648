import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Content-addressed embeddings written as the ingest goes, so that a run that was interrupted
 * does not embed again what it already had. Each batch is a `.f32` file of vectors committed by
 * renaming its `.keys` file last: a half-written batch is never read.
 */
export class EmbeddingCache {
  readonly #dir: string;
  readonly #dimension: number;
  readonly #vectors = new Map<string, Float32Array>();

  private constructor(dir: string, dimension: number) {
    this.#dir = dir;
    this.#dimension = dimension;
  }

  static async open(dir: string, dimension: number): Promise<EmbeddingCache> {
    const cache = new EmbeddingCache(dir, dimension);
    if (!existsSync(dir)) return cache;
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.keys')) continue;
      const base = join(dir, name.slice(0, -5));
      const keys = (await readFile(`${base}.keys`, 'utf8')).split('\n').filter(Boolean);
      const raw = await readFile(`${base}.f32`).catch(() => null);
      if (!raw || raw.byteLength !== keys.length * dimension * 4) continue;
      const floats = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
      keys.forEach((key, i) => cache.#vectors.set(key, floats.slice(i * dimension, (i + 1) * dimension)));
    }
    return cache;
  }

  static key(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  get(text: string): Float32Array | undefined {
    return this.#vectors.get(EmbeddingCache.key(text));
  }

  async put(texts: string[], vectors: Float32Array[]): Promise<void> {
    const keys = texts.map(EmbeddingCache.key);
    keys.forEach((key, i) => this.#vectors.set(key, vectors[i]!));
    await mkdir(this.#dir, { recursive: true });
    const base = join(this.#dir, `${Date.now()}-${process.pid}-${this.#vectors.size}`);
    const floats = new Float32Array(keys.length * this.#dimension);
    vectors.forEach((v, i) => floats.set(v, i * this.#dimension));
    await writeFile(`${base}.f32`, new Uint8Array(floats.buffer));
    await writeFile(`${base}.keys.partial`, keys.join('\n'));
    await rename(`${base}.keys.partial`, `${base}.keys`);
  }

  /** Once the store holds the vectors, the cache has done its job. */
  async clear(): Promise<void> {
    await rm(this.#dir, { recursive: true, force: true });
  }
}
