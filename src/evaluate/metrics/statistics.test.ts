import { describe, expect, it } from 'vitest';
import { bootstrapMean, holm, normalQuantile, pairedBootstrap, pairedTest, questionsNeeded } from './statistics.ts';

describe('bootstrap', () => {
  it('mean with an interval that contains it, reproducibly', () => {
    const values = [0, 1, 1, 0, 1, 1, 1, 0, 1, 1];
    const estimate = bootstrapMean(values);
    expect(estimate.mean).toBe(0.7);
    expect(estimate.low!).toBeLessThan(0.7);
    expect(estimate.high!).toBeGreaterThan(0.7);
    expect(estimate.low!).toBeGreaterThanOrEqual(0);
    expect(bootstrapMean(values)).toEqual(estimate);
  });
  it('constant values have a zero-width interval; empty has none', () => {
    expect(bootstrapMean([0.5, 0.5, 0.5])).toEqual({ mean: 0.5, low: 0.5, high: 0.5, n: 3 });
    expect(bootstrapMean([]).mean).toBeNull();
  });
  it('paired: a clear, consistent win is significant', () => {
    const a = Array.from({ length: 30 }, (_, i) => 0.6 + (i % 3) * 0.1);
    const b = a.map((v) => v - 0.3);
    const result = pairedBootstrap(a, b)!;
    expect(result.difference).toBeCloseTo(0.3, 10);
    expect(result.significant).toBe(true);
    expect(result.p).toBeLessThan(0.01);
  });
  it('paired: noise around zero is not significant', () => {
    const a = [1, 0, 1, 0, 1, 0, 1, 0];
    const b = [0, 1, 0, 1, 1, 0, 0, 1];
    const result = pairedBootstrap(a, b)!;
    expect(result.significant).toBe(false);
    expect(pairedBootstrap([], [])).toBeNull();
    expect(pairedBootstrap([1, 1], [1, 1])!.p).toBe(1);
  });
});

describe('multiple comparisons, equivalence and power', () => {
  it('Holm: step-down adjustment, monotone in the raw order, capped at 1', () => {
    expect(holm([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });
  it('normal quantiles match the tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    expect(() => normalQuantile(1)).toThrow();
  });
  it('TOST: identical answers on many questions are equivalent; on few, with the pseudo-pairs, they are not', () => {
    const many = Array.from({ length: 300 }, (_, i) => i % 2);
    expect(pairedTest(many, many, { margin: 0.05, pseudoPairs: true })!.pEquivalence).toBeLessThan(0.01);
    const few = [1, 0, 1, 0, 1, 1, 0, 0, 1];
    const small = pairedTest(few, few, { margin: 0.05, pseudoPairs: true })!;
    expect(small.pEquivalence).toBeGreaterThan(0.2);
    expect(small.difference).toBe(0);
    expect(small.high).toBeGreaterThan(0.1);
    // without the correction nine identical answers would "prove" equality
    expect(pairedTest(few, few, { margin: 0.05 })!.pEquivalence).toBe(0);
  });
  it('questions needed: the textbook paired-test size, and equivalence below the margin', () => {
    // ((1.960 + 0.842) × 0.5 / 0.333)² = 17.7
    expect(questionsNeeded({ difference: 0.333, sd: 0.5 })).toBe(18);
    expect(questionsNeeded({ difference: -0.333, sd: 0.5, margin: 0.05 })).toBe(18);
    // equivalence: ((1.645 + 1.282) × 0.3 / 0.05)² = 308.4 when the observed difference is 0
    expect(questionsNeeded({ difference: 0, sd: 0.3, margin: 0.05 })).toBe(309);
    expect(questionsNeeded({ difference: 0.1, sd: 0 })).toBeNull();
    expect(questionsNeeded({ difference: 0, sd: 0.4 })).toBeNull();
  });
});
