import { holm, pairedTest, questionsNeeded } from '../evaluate/metrics/statistics.ts';
import type {
  BetterThan,
  Consideration,
  MinEffects,
  PairVerdict,
  Priorities,
  Priority,
  StrategyEvidence,
} from './evidence.ts';

export type { BetterThan, PairVerdict } from './evidence.ts';

/** Significance level of every test, after Holm's correction across the recommendation's family. */
export const ALPHA = 0.05;
/** Power at which the "questions needed" estimates are computed. */
export const POWER = 0.8;
/** Below this many paired questions nothing counts as shown (different or equivalent), whatever the bootstrap says. */
export const MIN_PAIRED = 5;
/** Measured in seconds or dollars: their minimum effect is a share of the larger mean, and they are not bounded to [0, 1]. */
export const RELATIVE: ReadonlySet<Consideration> = new Set(['latency', 'cost']);
export const LEVELS: Priority[] = ['high', 'medium', 'low'];

const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

/** Every pair × weighted consideration, tested, Holm-corrected as one family, and classified. */
export function testPairs(
  evidence: StrategyEvidence[],
  priorities: Priorities,
  minEffects: MinEffects,
  weighted: Consideration[],
): BetterThan[] {
  const raw: {
    a: StrategyEvidence;
    b: StrategyEvidence;
    consideration: Consideration;
    margin: number;
    test: NonNullable<ReturnType<typeof pairedTest>>;
    sums: [number, number];
  }[] = [];
  for (let i = 0; i < evidence.length; i++) {
    for (let j = i + 1; j < evidence.length; j++) {
      const [a, b] = [evidence[i]!, evidence[j]!];
      for (const consideration of weighted) {
        const va = a.values[consideration];
        const vb = b.values[consideration];
        if (!va || !vb) continue;
        const shared = [...va.keys()].filter((id) => vb.has(id));
        const [xs, ys] = [shared.map((id) => va.get(id)!), shared.map((id) => vb.get(id)!)];
        const relative = RELATIVE.has(consideration);
        const margin = relative
          ? minEffects[consideration] * Math.max(Math.abs(average(xs)), Math.abs(average(ys)))
          : minEffects[consideration];
        const test = pairedTest(xs, ys, { margin, pseudoPairs: !relative });
        if (test)
          raw.push({
            a,
            b,
            consideration,
            margin,
            test,
            sums: [xs.reduce((s, v) => s + v, 0), ys.reduce((s, v) => s + v, 0)],
          });
      }
    }
  }
  const adjusted = holm([...raw.map((r) => r.test.p), ...raw.map((r) => r.test.pEquivalence!)]);
  const family = adjusted.length;
  return raw.map((r, index) => {
    const { test, margin, consideration } = r;
    const aBetter = test.difference >= 0;
    const pAdjusted = adjusted[index]!;
    const pEquivalenceAdjusted = adjusted[raw.length + index]!;
    const enough = test.n >= MIN_PAIRED;
    const significant = enough && pAdjusted < ALPHA && Math.abs(test.difference) >= margin;
    const equivalent = !significant && enough && pEquivalenceAdjusted < ALPHA;
    const [better, worse] = aBetter ? [r.a.name, r.b.name] : [r.b.name, r.a.name];
    const [betterSum, worseSum] = aBetter ? r.sums : [r.sums[1], r.sums[0]];
    const result: BetterThan = {
      better,
      worse,
      consideration,
      difference: Math.abs(test.difference),
      low: aBetter ? test.low : -test.high,
      high: aBetter ? test.high : -test.low,
      p: test.p,
      pAdjusted,
      margin,
      pEquivalence: test.pEquivalence!,
      pEquivalenceAdjusted,
      n: test.n,
      significant,
      equivalent,
      outcome: significant ? 'better' : equivalent ? 'equivalent' : 'unresolved',
      // Holm's strictest threshold is alpha / family: a conservative estimate
      questionsNeeded:
        significant || equivalent
          ? null
          : atLeastMore(
              questionsNeeded({
                difference: test.difference,
                sd: test.sd,
                margin,
                alpha: ALPHA / family,
                power: POWER,
              }),
              test.n,
            ),
    };
    if (consideration === 'freshness') result.facts = { better: betterSum, worse: worseSum, n: test.n };
    // Freshness from the facts: an update path that delivered none of the changed facts loses to one that delivered some,
    // when freshness is a high priority, unless the data shows the two equivalent.
    if (
      consideration === 'freshness' &&
      priorities.freshness === 'high' &&
      !equivalent &&
      worseSum === 0 &&
      betterSum > 0
    ) {
      result.outcome = 'better';
      result.rule = `${worse} gives none of the ${test.n} changed facts after its update, ${better} gives ${countText(betterSum)}`;
    }
    return result;
  });
}

/** The normal approximation can undercut a sample the bootstrap found too small: never suggest fewer than one more question, nor fewer than MIN_PAIRED. */
export const atLeastMore = (needed: number | null, n: number) =>
  needed === null ? null : Math.max(needed, n + 1, MIN_PAIRED);

export const countText = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/**
 * Priorities in order, high → medium → low. Within a level, every consideration counts once: a strategy wins the
 * level when its shown advantages outnumber the other's by more than the unresolved considerations there (which
 * could go either way). A level where nothing is unresolved and the advantages cancel hands the pair to the next
 * level; a level with an unresolved consideration that could change the outcome stops it: inconclusive, and no
 * lower priority decides. The freshness rule is an exception at its level: the side that gave the changed facts
 * wins it unless the other has a shown advantage there (then it is a trade-off: inconclusive).
 */
export function judgePair(a: string, b: string, comparisons: BetterThan[], priorities: Priorities): PairVerdict {
  const between = comparisons.filter((c) => (c.better === a && c.worse === b) || (c.better === b && c.worse === a));
  const notes: string[] = [];
  for (const level of LEVELS) {
    const here = between.filter((c) => priorities[c.consideration] === level);
    if (here.length === 0) continue;
    const wins = (side: string) => here.filter((c) => c.outcome === 'better' && c.better === side && !c.rule);
    const [winsA, winsB] = [wins(a), wins(b)];
    const open = here.filter((c) => c.outcome === 'unresolved');
    const rule = here.find((c) => c.rule);
    if (rule) {
      const loser = rule.worse;
      if ((loser === a ? winsA : winsB).length === 0)
        return {
          a,
          b,
          outcome: 'decided',
          winner: rule.better,
          priority: level,
          considerations: ['freshness'],
          reason: rule.rule!,
        };
      return {
        a,
        b,
        outcome: 'inconclusive',
        winner: null,
        priority: level,
        considerations: ['freshness', ...(loser === a ? winsA : winsB).map((c) => c.consideration)],
        reason: `a trade-off at priority ${level}: ${rule.rule}, but ${loser} is better on ${(loser === a ? winsA : winsB).map((c) => c.consideration).join(', ')}`,
      };
    }
    const net = winsA.length - winsB.length;
    if (net !== 0 && Math.abs(net) > open.length) {
      const winner = net > 0 ? a : b;
      return {
        a,
        b,
        outcome: 'decided',
        winner,
        priority: level,
        considerations: (net > 0 ? winsA : winsB).map((c) => c.consideration),
        reason: [
          ...notes,
          `${winner} is better on ${(net > 0 ? winsA : winsB).map((c) => c.consideration).join(', ')} (priority ${level})`,
        ].join('; '),
      };
    }
    if (open.length > 0) {
      return {
        a,
        b,
        outcome: 'inconclusive',
        winner: null,
        priority: level,
        considerations: open.map((c) => c.consideration),
        reason: [
          ...notes,
          `${open.map((c) => c.consideration).join(', ')} (priority ${level}) unresolved, so lower priorities do not decide`,
        ].join('; '),
      };
    }
    notes.push(
      net === 0 && winsA.length > 0
        ? `at priority ${level} the advantages cancel (${winsA.map((c) => c.consideration).join(', ')} vs ${winsB.map((c) => c.consideration).join(', ')})`
        : `equivalent on ${here.map((c) => c.consideration).join(', ')} (priority ${level})`,
    );
  }
  return {
    a,
    b,
    outcome: 'tie',
    winner: null,
    priority: null,
    considerations: [],
    reason: notes.join('; ') || 'nothing measured to compare',
  };
}
