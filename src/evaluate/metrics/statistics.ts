/**
 * Confidence intervals and paired comparisons by bootstrap over questions. A seeded generator keeps the
 * numbers reproducible: the same rows always give the same intervals and p-values.
 */
export interface Estimate {
  mean: number | null;
  low: number | null;
  high: number | null;
  n: number;
}

/** mulberry32: tiny, fast, good enough for resampling. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** Mean with a 95% percentile-bootstrap interval over the values (one value per question). */
export function bootstrapMean(values: number[], options: { resamples?: number; seed?: number } = {}): Estimate {
  const n = values.length;
  const center = mean(values);
  if (center === null) return { mean: null, low: null, high: null, n: 0 };
  if (n === 1) return { mean: center, low: center, high: center, n };
  const resamples = options.resamples ?? 2000;
  const random = seededRandom(options.seed ?? 1);
  const means: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  means.sort((a, b) => a - b);
  return { mean: center, low: quantile(means, 0.025), high: quantile(means, 0.975), n };
}

export interface PairedComparison {
  /** mean(a − b) over the questions both strategies scored. */
  difference: number;
  low: number;
  high: number;
  /** Two-sided bootstrap p-value for "no difference". */
  p: number;
  n: number;
  significant: boolean;
}

/**
 * Paired bootstrap: resample questions, recompute mean(a − b). p is twice the share of resampled differences
 * on the other side of zero (capped at 1). Significant at alpha (default 0.05).
 */
export function pairedBootstrap(a: number[], b: number[], options: { resamples?: number; seed?: number; alpha?: number } = {}): PairedComparison | null {
  if (a.length !== b.length) throw new Error('paired bootstrap needs one value per question from each side');
  const n = a.length;
  if (n === 0) return null;
  const differences = a.map((value, i) => value - b[i]!);
  const observed = mean(differences)!;
  const resamples = options.resamples ?? 2000;
  const random = seededRandom(options.seed ?? 7);
  const means: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  means.sort((x, y) => x - y);
  const atOrBelow = means.filter((m) => m <= 0).length / resamples;
  const atOrAbove = means.filter((m) => m >= 0).length / resamples;
  const p = observed === 0 ? 1 : Math.min(1, 2 * Math.min(atOrBelow, atOrAbove));
  return { difference: observed, low: quantile(means, 0.025), high: quantile(means, 0.975), p, n, significant: p < (options.alpha ?? 0.05) };
}

/** A deterministic sample of at most `max` items, kept in their original order. */
export function sampleInOrder<T>(items: T[], max: number | undefined, seed: number): T[] {
  if (!max || items.length <= max) return items;
  const random = seededRandom(seed);
  return items.map((item, index) => ({ item, index, key: random() })).sort((a, b) => a.key - b.key).slice(0, max)
    .sort((a, b) => a.index - b.index).map((entry) => entry.item);
}
