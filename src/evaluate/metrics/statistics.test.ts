import { describe, expect, it } from 'vitest';
import { bootstrapMean, pairedBootstrap } from './statistics.ts';

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
