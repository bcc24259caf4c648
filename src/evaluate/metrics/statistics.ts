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
export function pairedBootstrap(
  a: number[],
  b: number[],
  options: { resamples?: number; seed?: number; alpha?: number } = {},
): PairedComparison | null {
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
  return {
    difference: observed,
    low: quantile(means, 0.025),
    high: quantile(means, 0.975),
    p,
    n,
    significant: p < (options.alpha ?? 0.05),
  };
}

/** A deterministic sample of at most `max` items, kept in their original order. */
export function sampleInOrder<T>(items: T[], max: number | undefined, seed: number): T[] {
  if (!max || items.length <= max) return items;
  const random = seededRandom(seed);
  return items
    .map((item, index) => ({ item, index, key: random() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, max)
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.item);
}

export interface PairedTest extends PairedComparison {
  /** TOST p-value for "the difference lies within ±margin" (the larger of the two one-sided p-values); null without a margin. */
  pEquivalence: number | null;
  /** Standard deviation of the per-question differences the test resampled (pseudo-pairs included). */
  sd: number;
}

/**
 * Paired bootstrap with an optional equivalence test (TOST) against ±margin. With `pseudoPairs`, for scores in
 * [0, 1], one pseudo-question won by each side is added before resampling: a small-sample correction in the
 * spirit of Agresti–Min's paired-proportion interval, so that nine identical answers do not read as proof of
 * equality (a zero-variance sample would otherwise give a zero-width interval). The reported difference is the
 * observed one, without the pseudo-questions.
 */
export function pairedTest(
  a: number[],
  b: number[],
  options: { margin?: number; pseudoPairs?: boolean; resamples?: number; seed?: number; alpha?: number } = {},
): PairedTest | null {
  if (a.length !== b.length) throw new Error('paired test needs one value per question from each side');
  const n = a.length;
  if (n === 0) return null;
  const observed = mean(a.map((value, i) => value - b[i]!))!;
  const differences = [...a.map((value, i) => value - b[i]!), ...(options.pseudoPairs ? [1, -1] : [])];
  const resamples = options.resamples ?? 2000;
  const random = seededRandom(options.seed ?? 7);
  const size = differences.length;
  const means: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < size; i++) sum += differences[Math.floor(random() * size)]!;
    means[r] = sum / size;
  }
  means.sort((x, y) => x - y);
  const share = (test: (m: number) => boolean) => means.filter(test).length / resamples;
  const p =
    observed === 0 && !options.pseudoPairs
      ? 1
      : Math.min(
          1,
          2 *
            Math.min(
              share((m) => m <= 0),
              share((m) => m >= 0),
            ),
        );
  const margin = options.margin;
  const pEquivalence =
    margin === undefined
      ? null
      : Math.max(
          share((m) => m <= -margin),
          share((m) => m >= margin),
        );
  const center = mean(differences)!;
  const sd = Math.sqrt(differences.reduce((s, d) => s + (d - center) ** 2, 0) / Math.max(size - 1, 1));
  return {
    difference: observed,
    low: quantile(means, 0.025),
    high: quantile(means, 0.975),
    p,
    n,
    significant: p < (options.alpha ?? 0.05),
    pEquivalence,
    sd,
  };
}

/** Holm's step-down adjustment: controls the chance of any false "significant" across the whole family at alpha. */
export function holm(pValues: number[]): number[] {
  const m = pValues.length;
  const adjusted = new Array<number>(m);
  let running = 0;
  pValues
    .map((p, index) => ({ p, index }))
    .sort((x, y) => x.p - y.p)
    .forEach(({ p, index }, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p));
      adjusted[index] = running;
    });
  return adjusted;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Paired questions needed (normal approximation) to resolve a difference at the given power: to show it
 * (two-sided test at alpha) when |difference| ≥ margin or no margin is given, or else to show equivalence
 * within ±margin (TOST). Null when the sample has no spread to extrapolate from, or the difference is 0 with no margin.
 */
export function questionsNeeded(input: {
  difference: number;
  sd: number;
  margin?: number;
  alpha?: number;
  power?: number;
}): number | null {
  const alpha = input.alpha ?? 0.05;
  const power = input.power ?? 0.8;
  const gap = Math.abs(input.difference);
  if (!(input.sd > 0)) return null;
  const showDifference = input.margin === undefined || gap >= input.margin;
  const distance = showDifference ? gap : input.margin! - gap;
  if (distance <= 0) return null;
  const z = showDifference
    ? normalQuantile(1 - alpha / 2) + normalQuantile(power)
    : normalQuantile(1 - alpha) + normalQuantile(gap === 0 ? 1 - (1 - power) / 2 : power);
  return Math.ceil(((z * input.sd) / distance) ** 2);
}
