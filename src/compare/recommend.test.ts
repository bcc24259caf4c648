import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { DEFAULT_PRIORITIES, parsePriorities, recommend, type StrategyEvidence } from './recommend.ts';

const ids = Array.from({ length: 20 }, (_, i) => `q${i}`);
const values = (f: (i: number) => number) => new Map(ids.map((id, i) => [id, f(i)]));
const evidence = (name: string, accuracy: (i: number) => number, latency: (i: number) => number, costPer1000 = 0.1): StrategyEvidence => ({
  name, values: { accuracy: values(accuracy), latency: values(latency) }, display: {}, costPer1000,
});

describe('parsePriorities', () => {
  it('reads k=v pairs over the defaults and rejects unknown keys or levels', () => {
    expect(parsePriorities('freshness=high, latency=low')).toEqual({ ...DEFAULT_PRIORITIES, freshness: 'high', latency: 'low' });
    expect(() => parsePriorities('speed=high')).toThrow(UsageError);
    expect(() => parsePriorities('latency=urgent')).toThrow(/latency=urgent: use high, medium, low or ignore/);
  });
});

describe('recommend', () => {
  // rag is far more accurate, base is faster: the weights decide
  const rag = evidence('rag', (i) => (i % 5 === 0 ? 0 : 1), (i) => -2 - (i % 3) * 0.1, 0.2);
  const base = evidence('base', (i) => (i % 7 === 0 ? 1 : 0), (i) => -0.5 - (i % 3) * 0.1, 0.05);

  it('ranks by the weighted significant advantages', () => {
    const accuracyFirst = recommend([base, rag], parsePriorities('accuracy=high,latency=low'));
    expect(accuracyFirst.recommended).toBe('rag');
    expect(accuracyFirst.rationale[1]).toMatch(/recommended: rag: significantly better than base/);
    const latencyFirst = recommend([base, rag], parsePriorities('accuracy=low,latency=high'));
    expect(latencyFirst.recommended).toBe('base');
    expect(latencyFirst.rationale.some((line) => line.includes('what would change the verdict: rag is significantly better on accuracy'))).toBe(true);
  });

  it('never recommends on a non-significant difference: it names the tie-breaker', () => {
    // a tiny, noisy edge for ft (one question), and ft costs more per query
    const ft = evidence('ft', (i) => (i % 2 === 0 ? 1 : 0), () => -1, 0.3);
    const other = evidence('rag', (i) => (i % 2 === 0 || i === 1 ? 1 : 0), () => -1, 0.2);
    const result = recommend([ft, other], DEFAULT_PRIORITIES);
    expect(result.comparisons.every((c) => !c.significant)).toBe(true);
    expect(result.recommended).toBe('rag');
    expect(result.ranking[0]!.tiedWith).toEqual(['ft']);
    expect(result.rationale[1]).toMatch(/not significantly better than ft.*tie was broken by the simpler strategy/);
  });

  it('orders a tie by simplicity, not by a non-significant cost difference', () => {
    const a = evidence('raft', () => 1, () => -1, 0.05);
    const b = evidence('rag', () => 1, () => -1, 0.1);
    expect(recommend([a, b], DEFAULT_PRIORITIES).ranking.map((r) => r.strategy)).toEqual(['rag', 'raft']);
  });

  it('does not count a consistent but tiny latency gap', () => {
    const a = evidence('raft', () => 1, (i) => -3.2 - (i % 3) * 0.01);
    const b = evidence('ft-rag', () => 1, (i) => -3.1 - (i % 3) * 0.01);
    const result = recommend([a, b], DEFAULT_PRIORITIES);
    expect(result.comparisons.find((c) => c.consideration === 'latency')!.p).toBeLessThan(0.05);
    expect(result.comparisons.every((c) => !c.significant)).toBe(true);
    expect(result.ranking.map((r) => r.strategy)).toEqual(['ft-rag', 'raft']);
  });

  it('breaks equal win counts by the head-to-head result before simplicity', () => {
    // ft is faster than everything; ft-rag is more accurate than ft and base; accuracy outweighs latency
    const fast = (name: string, acc: (i: number) => number) => evidence(name, acc, () => -0.5);
    const slow = (name: string, acc: (i: number) => number) => evidence(name, acc, () => -3);
    const result = recommend([fast('ft', () => 0), fast('base', () => 0), slow('ft-rag', (i) => (i % 4 === 0 ? 0 : 1)), slow('rag', (i) => (i % 4 === 0 ? 0 : 1))], parsePriorities('accuracy=high,latency=medium'));
    expect(result.ranking.slice(0, 2).map((r) => r.strategy)).toEqual(['rag', 'ft-rag']);
    expect(result.recommended).toBe('rag');
  });

  it('ignores a consideration weighted "ignore" and too-small samples', () => {
    const result = recommend([base, rag], parsePriorities('accuracy=ignore,latency=high'));
    expect(result.comparisons.map((c) => c.consideration)).toEqual(['latency']);
    const few = (name: string, v: number) => ({ name, values: { accuracy: new Map([['a', v], ['b', v], ['c', v]]) }, display: {}, costPer1000: 0 });
    const small = recommend([few('rag', 1), few('base', 0)], DEFAULT_PRIORITIES);
    expect(small.comparisons[0]!.significant).toBe(false);
    expect(small.rationale.join('\n')).toMatch(/no significant difference/);
  });
  it('cautions when a more accurate strategy lost only because its accuracy edge is not yet significant', () => {
    // ft-rag answers 3 more of 20 questions than ft (not significant), ft is much faster (significant)
    const ft = evidence('ft', (i) => (i < 2 ? 1 : 0), () => -0.5);
    const ftRag = evidence('ft-rag', (i) => (i < 5 ? 1 : 0), () => -3);
    const result = recommend([ft, ftRag], DEFAULT_PRIORITIES);
    expect(result.recommended).toBe('ft');
    expect(result.rationale.some((line) => /^caution: ft-rag answered more accurately than ft .*n=20.*not significant/.test(line))).toBe(true);
    expect(recommend([ftRag, evidence('rag', (i) => (i < 5 ? 1 : 0), () => -3)], DEFAULT_PRIORITIES).rationale.some((line) => line.startsWith('caution'))).toBe(false);
  });
});
