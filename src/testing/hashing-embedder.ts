import type { Embedder } from '../embed/embedder.ts';
import { countTextTokens, fnv1a, words } from './text-features.ts';

export interface HashingEmbedderOptions {
  /** Vector size (default 512). */
  dimension?: number;
  /** Token budget reported to the chunker (default 256). */
  maxTokens?: number;
}

// Frequent function words carry little meaning; weighting them down keeps unrelated texts apart.
const STOP = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were with'.split(' '),
);

/**
 * A deterministic embedder for fast tests: feature hashing (the "hashing trick") of words, word
 * pairs and in-word character trigrams into `dimension` signed buckets, L2-normalised. Texts that
 * share words (or word stems, through the trigrams) have a high cosine similarity; unrelated texts
 * are near 0. No model, no I/O, the same vector on every machine.
 */
export function hashingEmbedder(options: HashingEmbedderOptions = {}): Embedder & AsyncDisposable {
  const dimension = options.dimension ?? 512;
  const embedOne = (text: string): Float32Array => {
    const vector = new Float32Array(dimension);
    const add = (feature: string, weight: number) => {
      const hash = fnv1a(feature);
      // the sign bit spreads collisions around zero instead of piling them up
      vector[hash % dimension]! += hash & 0x80000000 ? -weight : weight;
    };
    const tokens = words(text);
    tokens.forEach((word, i) => {
      add(`w:${word}`, STOP.has(word) ? 0.25 : 1);
      if (i > 0) add(`b:${tokens[i - 1]}_${word}`, 0.5);
      if (STOP.has(word)) return;
      const padded = `#${word}#`;
      const grams = Math.max(1, padded.length - 2);
      for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.8 / Math.sqrt(grams));
    });
    const norm = Math.hypot(...vector);
    return norm > 0 ? vector.map((x) => x / norm) : vector;
  };
  return {
    id: `hashing-${dimension}`,
    dimension,
    maxTokens: options.maxTokens ?? 256,
    async embed(texts, call = {}) {
      call.signal?.throwIfAborted();
      return texts.map(embedOne);
    },
    countTokens: countTextTokens,
    async dispose() {},
    async [Symbol.asyncDispose]() {},
  };
}
