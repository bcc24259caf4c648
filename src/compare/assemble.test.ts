import { describe, expect, it } from 'vitest';
import { failureSigns, type StrategyResult } from './assemble.ts';
import type { Recommendation } from './recommend.ts';

const result = (mean: number) => ({ accuracy: { mean, low: mean, high: mean }, metrics: { errors: 0, errorKinds: {} }, freshness: null }) as unknown as StrategyResult;
const noComparisons = { comparisons: [] } as unknown as Recommendation;

describe('failure signs', () => {
  it('says when the accuracy metric cannot tell the strategies apart', () => {
    const signs = failureSigns({ base: result(0), rag: result(0) }, noComparisons, 'containment');
    expect(signs[0]).toMatch(/accuracy metric \(containment\) is 0\.00 for every strategy.*--metric f1/);
  });

  it('stays quiet when the metric separates them', () => {
    expect(failureSigns({ base: result(0.1), rag: result(0.4) }, noComparisons, 'f1').some((s) => s.includes('cannot tell'))).toBe(false);
  });
});
