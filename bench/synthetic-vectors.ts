/**
 * Vectors with the distribution of real embeddings, for store benchmarks: 2,000 real clapnq sentences are
 * embedded with MiniLM, and each synthetic vector is a random mixture of two of them plus a little noise,
 * re-normalised. The texts are the real sentences, so BM25 sees real term statistics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { seededRandom } from '../src/evaluate/metrics/statistics.ts';

export interface RealSentenceVectors {
  sentences: string[];
  real: Float32Array[];
  dimension: number;
  /** MiniLM throughput on this machine while embedding them, sentences per second. */
  embedRate: number;
}

export async function embedClapnqSentences(): Promise<RealSentenceVectors> {
  const clapnq = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'clapnq', 'clapnq_dev_answerable.jsonl');
  const sentences = readFileSync(clapnq, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => (JSON.parse(line) as { passages: { sentences: string[] }[] }).passages[0]!.sentences)
    .filter((s) => s.length > 40)
    .slice(0, 2000);
  const embedder = await createEmbedder(parseConfig({}));
  const started = performance.now();
  const real = await embedder.embed(sentences);
  const embedRate = sentences.length / ((performance.now() - started) / 1000);
  const dimension = embedder.dimension;
  await embedder.dispose();
  return { sentences, real, dimension, embedRate };
}

/** A seeded sampler: `mixture(noise)` gives a unit vector and the index of the sentence it mostly is. */
export function mixtureSampler(
  base: Pick<RealSentenceVectors, 'real' | 'dimension'>,
  seed: number,
): (noise: number) => { vector: Float32Array; source: number } {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  const { real, dimension } = base;
  return (noise) => {
    const a = Math.floor(random() * real.length);
    const b = Math.floor(random() * real.length);
    const w = 0.6 + 0.4 * random();
    const v = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) v[i] = w * real[a]![i]! + (1 - w) * real[b]![i]! + noise * gaussian();
    const norm = Math.hypot(...v);
    return { vector: v.map((x) => x / norm), source: a };
  };
}
