import {
  TIE_BREAKER,
  type BetterThan,
  type Consideration,
  type PairVerdict,
  type Recommendation,
  type StrategyEvidence,
} from './evidence.ts';
import { ALPHA, countText, MIN_PAIRED } from './pairwise.ts';

const UNIT: Partial<Record<Consideration, string>> = { latency: ' s', cost: ' $/1k queries' };
export const pText = (p: number) => (p < 0.001 ? '<0.001' : `=${p.toFixed(3)}`);
const list = (names: string[]) =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
const effect = (c: Consideration, value: number) =>
  c === 'latency' || c === 'cost' ? `${(value * 100).toFixed(0)}%` : value.toFixed(2);

/** One test in words: "ft-rag vs ft on accuracy: Δ 0.333 [0.000, 0.667], adjusted p=0.590, n=9". */
export function describeTest(c: BetterThan): string {
  const unit = UNIT[c.consideration] ?? '';
  const facts = c.facts
    ? ` (changed facts given: ${c.better} ${countText(c.facts.better)}/${c.facts.n}, ${c.worse} ${countText(c.facts.worse)}/${c.facts.n})`
    : '';
  return `${c.better} vs ${c.worse} on ${c.consideration}: Δ ${c.difference.toFixed(3)}${unit} [95% CI ${c.low.toFixed(3)}, ${c.high.toFixed(3)}], adjusted p${pText(c.pAdjusted)}, n=${c.n}${facts}`;
}

/** What more data would do for an unresolved test. */
export function resolveText(c: BetterThan): string {
  if (c.questionsNeeded === null) return 'more held-out questions are needed (no spread to estimate how many)';
  const aim =
    c.difference >= c.margin ? 'show a difference of this size' : `show equivalence within ±${c.margin.toFixed(3)}`;
  return `≈${c.questionsNeeded.toLocaleString('en-US')} ${c.consideration === 'freshness' ? 'changed facts' : 'held-out questions'} would ${aim} at 80% power`;
}

function pairLine(v: PairVerdict, comparisons: BetterThan[]): string {
  const tests = comparisons.filter((c) => [c.better, c.worse].includes(v.a) && [c.better, c.worse].includes(v.b));
  if (v.outcome === 'decided') {
    const deciding = tests.filter(
      (c) => c.better === v.winner && v.considerations.includes(c.consideration) && c.outcome === 'better',
    );
    const open = tests.filter(
      (c) => c.outcome === 'unresolved' && c.consideration !== 'freshness' && v.considerations.includes('freshness'),
    );
    return `${v.winner} over ${v.winner === v.a ? v.b : v.a}: ${deciding.map((c) => c.rule ?? describeTest(c)).join('; ')}${open.length ? ` (unresolved: ${open.map(describeTest).join('; ')})` : ''}`;
  }
  if (v.outcome === 'tie') return `${v.a} ≈ ${v.b}: ${v.reason}`;
  const open = tests.filter((c) => c.outcome === 'unresolved' && v.considerations.includes(c.consideration));
  return `${v.a} vs ${v.b}: inconclusive, ${v.reason}${open.length ? ` — ${open.map((c) => `${describeTest(c)}; ${resolveText(c)}`).join('; ')}` : ''}`;
}

/** The rationale, line by line: the rule, the verdict, what is unresolved and what would resolve it, then every pair. */
export function explain(result: Recommendation, evidence: StrategyEvidence[], weighted: Consideration[]): string[] {
  const { priorities, minEffects, ranking, comparisons } = result;
  if (ranking.length === 0) return ['no strategy was evaluated'];
  const lines: string[] = [];
  const byLevel = (['high', 'medium', 'low'] as const)
    .map((level) => [level, weighted.filter((c) => priorities[c] === level)] as const)
    .filter(([, cs]) => cs.length);
  lines.push(
    `decision rule: priorities in order (${byLevel.map(([level, cs]) => `${level}: ${cs.join(', ')}`).join('; ') || 'none weighted'}); a difference counts when significant after Holm correction over the ${result.tests} tests of this recommendation (adjusted p<${ALPHA}, n≥${MIN_PAIRED}) and at least the minimum effect (${weighted.map((c) => `${c} ${effect(c, minEffects[c])}`).join(', ')}); a lower priority decides between two strategies only when every higher one is shown equivalent within its minimum effect (TOST), otherwise the pair is inconclusive${priorities.freshness === 'high' ? '; with freshness=high, a strategy that gives none of the changed facts after its update ranks below one that gives some, unless shown equivalent' : ''}`,
  );
  const top = ranking.filter((r) => r.rank === 1 && !r.failed).map((r) => r.strategy);
  if (result.verdict === 'recommended') {
    lines.push(
      `recommended: ${result.recommended}: better than ${list(ranking.filter((r) => r.strategy !== result.recommended).map((r) => r.strategy))} under these priorities`,
    );
  } else if (result.verdict === 'tie') {
    lines.push(
      `recommended: ${result.recommended}, tied with ${list(top.filter((n) => n !== result.recommended))}: shown equivalent within the minimum effects on every weighted consideration; the tie was broken by ${TIE_BREAKER}`,
    );
  } else if (result.verdict === 'inconclusive') {
    const considerations = [...new Set(result.unresolved.map((c) => c.consideration))];
    lines.push(
      `inconclusive between ${list(top)}${considerations.length ? ` on ${list(considerations)}` : ''}: the data cannot separate them under these priorities, so no strategy is recommended`,
    );
    for (const c of result.unresolved) lines.push(`unresolved: ${describeTest(c)}; ${resolveText(c)}`);
    const n = Math.max(...result.unresolved.filter((c) => c.consideration !== 'freshness').map((c) => c.n), 0);
    const facts = result.unresolved
      .filter((c) => c.consideration === 'freshness')
      .map((c) => c.questionsNeeded)
      .filter((x): x is number => x !== null);
    const factsText = facts.length
      ? `${result.questionsNeeded !== null ? ' and' : ''} an update that changes about ${Math.max(...facts).toLocaleString('en-US')} facts`
      : '';
    lines.push(
      `to decide: ${result.questionsNeeded !== null ? `rerun with about ${result.questionsNeeded.toLocaleString('en-US')} held-out questions (this run had ${n})` : facts.length ? 'rerun with' : 'rerun with more held-out questions'}${factsText}, or state a larger smallest effect that matters (--min-effect) or a different priority`,
    );
  } else {
    lines.push('no strategy answered any question: nothing to recommend');
  }
  const facts = freshnessCounts(evidence);
  if (facts.length) {
    const giving = facts.filter((f) => f.given > 0);
    const none = facts.filter((f) => f.given === 0);
    const inTop = (names: string[]) => names.filter((n) => top.includes(n));
    const below = none.filter((f) => !top.includes(f.name)).map((f) => f.name);
    lines.push(
      `freshness (${priorities.freshness}): changed facts given after each strategy's update: ${facts.map((f) => `${f.name} ${countText(f.given)}/${f.n}`).join(', ')}${giving.length && none.length ? `; ${list(inTop(giving.map((f) => f.name)).length ? inTop(giving.map((f) => f.name)) : giving.map((f) => f.name))} give updated facts, ${list(none.map((f) => f.name))} ${none.length === 1 ? 'does' : 'do'} not${priorities.freshness === 'high' && below.length ? ` (so ${list(below)} rank${below.length === 1 ? 's' : ''} below them)` : ''}` : ''}`,
    );
  }
  for (const r of ranking.filter((x) => x.failed)) {
    const e = evidence.find((x) => x.name === r.strategy)!;
    lines.push(
      `${r.strategy} failed every question (${e.errors!.failed} of ${e.errors!.total} answers errored or timed out): ranked last`,
    );
  }
  const position = (name: string) => ranking.findIndex((r) => r.strategy === name);
  const ordered = [...result.pairs].sort(
    (x, y) =>
      Math.min(position(x.a), position(x.b)) - Math.min(position(y.a), position(y.b)) ||
      Math.max(position(x.a), position(x.b)) - Math.max(position(y.a), position(y.b)),
  );
  for (const v of ordered) lines.push(pairLine(v, comparisons));
  if (result.verdict === 'recommended' || result.verdict === 'tie') {
    for (const loss of comparisons.filter((c) => c.outcome === 'better' && c.worse === result.recommended))
      lines.push(
        `what would change the verdict: ${loss.better} is better on ${loss.consideration} (${priorities[loss.consideration]}); weighting ${loss.consideration} higher favours it`,
      );
  }
  return lines;
}

function freshnessCounts(evidence: StrategyEvidence[]): { name: string; given: number; n: number }[] {
  return evidence
    .flatMap((e) => {
      const values = e.values.freshness;
      return values?.size
        ? [{ name: e.name, given: [...values.values()].reduce((s, v) => s + v, 0), n: values.size }]
        : [];
    })
    .sort((a, b) => b.given / b.n - a.given / a.n);
}
