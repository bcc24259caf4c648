import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { demoEvidence as demo, DEMO_PRIORITIES as priorities } from './recommend-fixtures.ts';
import {
  DEFAULT_MIN_EFFECTS,
  DEFAULT_PRIORITIES,
  parseMinEffects,
  parsePriorities,
  recommend,
  type StrategyEvidence,
} from './recommend.ts';

const ids = Array.from({ length: 20 }, (_, i) => `q${i}`);
const values = (f: (i: number) => number, keys = ids) => new Map(keys.map((id, i) => [id, f(i)]));
const evidence = (
  name: string,
  accuracy: (i: number) => number,
  latency: (i: number) => number,
  costPer1000 = 0.1,
): StrategyEvidence => ({
  name,
  values: { accuracy: values(accuracy), latency: values(latency) },
  display: {},
  costPer1000,
});

describe('parsePriorities and parseMinEffects', () => {
  it('reads k=v pairs over the defaults and rejects unknown keys or levels', () => {
    expect(parsePriorities('freshness=high, latency=low')).toEqual({
      ...DEFAULT_PRIORITIES,
      freshness: 'high',
      latency: 'low',
    });
    expect(() => parsePriorities('speed=high')).toThrow(UsageError);
    expect(() => parsePriorities('latency=urgent')).toThrow(/latency=urgent: use high, medium, low or ignore/);
  });
  it('reads minimum effects, percentages included, and rejects nonsense', () => {
    expect(parseMinEffects('accuracy=0.1, latency=20%')).toEqual({
      ...DEFAULT_MIN_EFFECTS,
      accuracy: 0.1,
      latency: 0.2,
    });
    expect(() => parseMinEffects('accuracy=2')).toThrow(/--min-effect: accuracy=2/);
    expect(() => parseMinEffects('accuracy=much')).toThrow(UsageError);
    expect(() => parseMinEffects('speed=0.1')).toThrow(/unknown consideration "speed"/);
  });
});

describe('recommend: the demo of issue #19', () => {
  it('n=9: inconclusive between the accurate strategies on accuracy; ft, which gives no updated facts, is not ranked above ft-rag or raft', () => {
    const result = recommend(demo(1), priorities);
    expect(result.verdict).toBe('inconclusive');
    expect(result.recommended).toBeNull();
    const rank = (name: string) => result.ranking.find((r) => r.strategy === name)!.rank;
    expect(rank('ft-rag')).toBe(1);
    expect(rank('raft')).toBe(1);
    expect(rank('ft')).toBeGreaterThan(1);
    const text = result.rationale.join('\n');
    expect(text).toMatch(/^inconclusive between [^\n]*ft-rag[^\n]*raft[^\n]* on accuracy/m);
    expect(text).toMatch(
      /ft-rag over ft: ft gives none of the 4 changed facts after its update, ft-rag gives 1 \(unresolved: ft-rag vs ft on accuracy: Δ 0\.333/,
    );
    expect(text).toMatch(
      /freshness \(high\): changed facts given after each strategy's update: .*ft-rag 1\/4.*raft 1\/4.*ft 0\/4.*; [^;]*ft-rag[^;]*raft[^;]* give updated facts, [^;]*ft[^;]* do not/,
    );
    // the estimate of questions needed is the one of the top group's unresolved accuracy test
    expect(result.questionsNeeded).toBeGreaterThan(9);
    expect(text).toMatch(
      /to decide: rerun with about [\d,]+ held-out questions \(this run had 9\) and an update that changes about [\d,]+ facts/,
    );
    // freshness needs changed facts, not questions
    expect(text).toMatch(
      /on freshness: .*n=4 \(changed facts given: .*\); ≈[\d,]+ changed facts would show equivalence/,
    );
    // latency, a lower priority, decided nothing between pairs whose accuracy is unresolved
    expect(
      result.pairs.filter((p) => p.outcome === 'decided').every((p) => p.considerations.every((c) => c !== 'latency')),
    ).toBe(true);
  });

  it('the same effect sizes with n≈200 rank ft-rag and raft first', () => {
    const result = recommend(demo(22), priorities);
    const top = result.ranking
      .filter((r) => r.rank === 1)
      .map((r) => r.strategy)
      .sort();
    expect(top).toEqual(['ft-rag', 'raft']);
    for (const worse of ['ft', 'rag', 'base'])
      expect(result.ranking.find((r) => r.strategy === worse)!.rank).toBeGreaterThan(2);
    const accuracy = result.comparisons.find(
      (c) => c.consideration === 'accuracy' && c.better === 'ft-rag' && c.worse === 'ft',
    )!;
    expect(accuracy.significant).toBe(true);
    expect(accuracy.pAdjusted).toBeGreaterThanOrEqual(accuracy.p);
  });
});

describe('recommend', () => {
  // rag is far more accurate, base is faster: the priorities decide
  const rag = evidence(
    'rag',
    (i) => (i % 5 === 0 ? 0 : 1),
    (i) => -2 - (i % 3) * 0.1,
    0.2,
  );
  const base = evidence(
    'base',
    (i) => (i % 7 === 0 ? 1 : 0),
    (i) => -0.5 - (i % 3) * 0.1,
    0.05,
  );

  it('ranks by the shown advantages, priorities in order', () => {
    const accuracyFirst = recommend([base, rag], parsePriorities('accuracy=high,latency=low'));
    expect(accuracyFirst.recommended).toBe('rag');
    expect(accuracyFirst.verdict).toBe('recommended');
    expect(accuracyFirst.rationale[1]).toMatch(/recommended: rag: better than base/);
    const latencyFirst = recommend([base, rag], parsePriorities('accuracy=low,latency=high'));
    expect(latencyFirst.recommended).toBe('base');
    expect(
      latencyFirst.rationale.some((line) => line.includes('what would change the verdict: rag is better on accuracy')),
    ).toBe(true);
  });

  it('an accuracy tie shown equivalent (TOST) lets latency decide; the same tie on 20 questions does not', () => {
    const many = Array.from({ length: 400 }, (_, i) => `q${i}`);
    // the same answers except two questions each way: equivalent within 0.05 at n=400
    const accurate = (flip: number) => (i: number) =>
      i === flip || i === flip + 1 ? 0 : i === flip + 2 || i === flip + 3 ? 1 : i % 2;
    const make = (name: string, flip: number, seconds: number, keys: string[]): StrategyEvidence => ({
      name,
      values: { accuracy: values(accurate(flip), keys), latency: values((i) => -seconds - (i % 4) * 0.05, keys) },
      display: {},
      costPer1000: null,
    });
    const large = recommend([make('ft-rag', 0, 1.0, many), make('raft', 2, 3.0, many)], DEFAULT_PRIORITIES);
    const accuracy = large.comparisons.find((c) => c.consideration === 'accuracy')!;
    expect(accuracy.equivalent).toBe(true);
    expect(accuracy.significant).toBe(false);
    expect(large.recommended).toBe('ft-rag');
    expect(large.pairs[0]!.considerations).toEqual(['latency']);
    const small = recommend([make('ft-rag', 0, 1.0, ids), make('raft', 2, 3.0, ids)], DEFAULT_PRIORITIES);
    expect(small.comparisons.find((c) => c.consideration === 'accuracy')!.outcome).toBe('unresolved');
    expect(small.verdict).toBe('inconclusive');
    expect(small.recommended).toBeNull();
    expect(small.ranking.map((r) => r.rank)).toEqual([1, 1]);
    expect(small.ranking[0]!.tieReason).toMatch(
      /accuracy \(priority high\) unresolved, so lower priorities do not decide/,
    );
  });

  it('does not count a consistent but tiny latency gap; shows it equivalent instead', () => {
    const a = evidence(
      'raft',
      () => 1,
      (i) => -3.2 - (i % 3) * 0.01,
    );
    const b = evidence(
      'ft-rag',
      () => 1,
      (i) => -3.1 - (i % 3) * 0.01,
    );
    const latency = recommend([a, b], parsePriorities('accuracy=ignore,latency=high')).comparisons.find(
      (c) => c.consideration === 'latency',
    )!;
    expect(latency.p).toBeLessThan(0.05);
    expect(latency.significant).toBe(false);
    expect(latency.equivalent).toBe(true);
  });

  it('a strategy that failed every question ranks last, even below one that answered nothing right', () => {
    const wrong = evidence(
      'base',
      () => 0,
      () => -1,
    );
    const failed: StrategyEvidence = {
      name: 'ft',
      values: { accuracy: values(() => 0) },
      display: {},
      costPer1000: null,
      errors: { failed: 20, total: 20 },
    };
    const result = recommend([failed, wrong, rag], DEFAULT_PRIORITIES);
    expect(result.ranking.at(-1)).toMatchObject({ strategy: 'ft', failed: true, rank: 3 });
    expect(result.comparisons.some((c) => c.better === 'ft' || c.worse === 'ft')).toBe(false);
    expect(result.rationale.join('\n')).toMatch(
      /ft failed every question \(20 of 20 answers errored or timed out\): ranked last/,
    );
  });

  it('Holm-adjusts over the whole family and states its size', () => {
    const result = recommend(
      [
        base,
        rag,
        evidence(
          'ft',
          (i) => (i % 3 === 0 ? 1 : 0),
          () => -1,
        ),
      ],
      DEFAULT_PRIORITIES,
    );
    expect(result.tests).toBe(result.comparisons.length * 2);
    for (const c of result.comparisons) expect(c.pAdjusted).toBeGreaterThanOrEqual(c.p);
    expect(result.rationale[0]).toMatch(new RegExp(`Holm correction over the ${result.tests} tests`));
  });

  it('a larger --min-effect turns a significant difference into one shown smaller than what matters', () => {
    const strict = recommend([base, rag], parsePriorities('accuracy=high,latency=ignore'), {
      minEffects: { accuracy: 0.9 },
    });
    const accuracy = strict.comparisons[0]!;
    expect(accuracy.pAdjusted).toBeLessThan(0.05);
    expect(accuracy.significant).toBe(false);
    expect(accuracy.equivalent).toBe(true);
    // equivalent on everything weighted: the simpler one, by the stated tie-breaker
    expect(strict.verdict).toBe('tie');
    expect(strict.recommended).toBe('base');
  });

  it('ignores a consideration weighted "ignore" and too-small samples', () => {
    const result = recommend([base, rag], parsePriorities('accuracy=ignore,latency=high'));
    expect(result.comparisons.map((c) => c.consideration)).toEqual(['latency']);
    const few = (name: string, v: number) => ({
      name,
      values: {
        accuracy: new Map([
          ['a', v],
          ['b', v],
          ['c', v],
        ]),
      },
      display: {},
      costPer1000: 0,
    });
    const small = recommend([few('rag', 1), few('base', 0)], DEFAULT_PRIORITIES);
    expect(small.comparisons[0]!.significant).toBe(false);
    expect(small.verdict).toBe('inconclusive');
  });
});
