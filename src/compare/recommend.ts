import { UsageError } from '../errors.ts';
import { pairedBootstrap } from '../evaluate/metrics/statistics.ts';

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

export const CONSIDERATIONS = ['accuracy', 'freshness', 'cost', 'latency', 'customization'] as const;
export type Consideration = (typeof CONSIDERATIONS)[number];
export type Priority = 'high' | 'medium' | 'low' | 'ignore';
export type Priorities = Record<Consideration, Priority>;

export const PRIORITY_WEIGHTS: Record<Priority, number> = { high: 3, medium: 2, low: 1, ignore: 0 };
export const DEFAULT_PRIORITIES: Priorities = { accuracy: 'high', freshness: 'medium', cost: 'medium', latency: 'medium', customization: 'medium' };
/** Below this many paired questions no difference counts as significant, whatever the bootstrap says. */
export const MIN_PAIRED = 5;
/** Timings vary run to run by a few percent: a latency or cost gap smaller than this share does not count, however small its p. */
export const MIN_RELATIVE_TIMING_EFFECT = 0.1;
/** Simpler first when nothing else separates two strategies: fewer moving parts to build and keep running. */
const SIMPLICITY = ['base', 'rag', 'ft', 'ft-rag', 'raft'];

/** `freshness=high,latency=low` → priorities (unnamed considerations keep their defaults). */
export function parsePriorities(text: string | undefined): Priorities {
  const priorities = { ...DEFAULT_PRIORITIES };
  for (const part of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=').map((s) => s.trim()) as [string, string | undefined];
    if (!(CONSIDERATIONS as readonly string[]).includes(key)) throw new UsageError(`--priorities: unknown consideration "${key}" (known: ${CONSIDERATIONS.join(', ')})`);
    if (!value || !(value in PRIORITY_WEIGHTS)) throw new UsageError(`--priorities: ${key}=${value ?? ''}: use high, medium, low or ignore`);
    priorities[key as Consideration] = value as Priority;
  }
  return priorities;
}

/** What the recommendation sees of one strategy: per-question values, higher is better, for each consideration measured. */
export interface StrategyEvidence {
  name: string;
  values: Partial<Record<Consideration, Map<string, number>>>;
  /** Human-readable evidence per consideration, e.g. "F1 0.62 [0.41, 0.80]". */
  display: Partial<Record<Consideration, string>>;
  /** Shown with the tie-breaker; measured cost differences that are not significant do not break ties. */
  costPer1000: number | null;
}

export interface BetterThan {
  better: string;
  worse: string;
  consideration: Consideration;
  /** Mean paired difference (better − worse) in the consideration's own unit. */
  difference: number;
  p: number;
  n: number;
  significant: boolean;
}

export interface RankedStrategy {
  rank: number;
  strategy: string;
  /** Pairwise wins under the weighted, significance-gated comparison. */
  wins: number;
  /** Sum of the weights of the significant advantages minus disadvantages over all other strategies. */
  margin: number;
  evidence: Partial<Record<Consideration, string>>;
  /** Strategies not significantly separated from this one (the tie-breaker ordered them). */
  tiedWith: string[];
}

export interface Recommendation {
  recommended: string | null;
  ranking: RankedStrategy[];
  rationale: string[];
  comparisons: BetterThan[];
  priorities: Priorities;
  tieBreaker: string;
}

export const TIE_BREAKER = 'the simpler strategy (base < rag < ft < ft-rag < raft: fewer parts to build, train and keep up to date)';

function compare(a: StrategyEvidence, b: StrategyEvidence, consideration: Consideration): BetterThan | null {
  const va = a.values[consideration];
  const vb = b.values[consideration];
  if (!va || !vb) return null;
  const shared = [...va.keys()].filter((id) => vb.has(id));
  const result = pairedBootstrap(shared.map((id) => va.get(id)!), shared.map((id) => vb.get(id)!));
  if (!result) return null;
  const scale = Math.max(Math.abs(mean(shared.map((id) => va.get(id)!))), Math.abs(mean(shared.map((id) => vb.get(id)!))));
  const meaningful = consideration !== 'latency' && consideration !== 'cost' ? true : scale > 0 && Math.abs(result.difference) / scale >= MIN_RELATIVE_TIMING_EFFECT;
  const significant = result.significant && result.n >= MIN_PAIRED && meaningful;
  const aBetter = result.difference >= 0;
  return { better: aBetter ? a.name : b.name, worse: aBetter ? b.name : a.name, consideration, difference: Math.abs(result.difference), p: result.p, n: result.n, significant };
}

/** The strategy with the highest mean accuracy, if accuracy was measured. */
function mostAccurate(evidence: StrategyEvidence[]): string | undefined {
  const means = evidence.flatMap((e) => (e.values.accuracy?.size ? [{ name: e.name, mean: mean([...e.values.accuracy.values()]) }] : []));
  return means.sort((a, b) => b.mean - a.mean)[0]?.name;
}

const pText = (p: number) => (p < 0.001 ? 'p<0.001' : `p=${p.toFixed(3)}`);

function tieOrder(a: StrategyEvidence, b: StrategyEvidence): number {
  return (SIMPLICITY.indexOf(a.name) + 99) % 99 - (SIMPLICITY.indexOf(b.name) + 99) % 99 || a.name.localeCompare(b.name);
}

/**
 * Ranks strategies by pairwise comparison: on each weighted consideration, a strategy scores the weight only
 * where its advantage is significant (paired bootstrap, p < 0.05, n ≥ MIN_PAIRED). A pair with no net
 * significant advantage is a tie, ordered by the tie-breaker, and the rationale says so.
 */
export function recommend(evidence: StrategyEvidence[], priorities: Priorities): Recommendation {
  const weighted = CONSIDERATIONS.filter((c) => PRIORITY_WEIGHTS[priorities[c]] > 0);
  const comparisons: BetterThan[] = [];
  const net = new Map<string, number>();
  const key = (a: string, b: string) => `${a}\u0000${b}`;
  for (let i = 0; i < evidence.length; i++) {
    for (let j = i + 1; j < evidence.length; j++) {
      const [a, b] = [evidence[i]!, evidence[j]!];
      let score = 0;
      for (const consideration of weighted) {
        const result = compare(a, b, consideration);
        if (!result) continue;
        comparisons.push(result);
        if (result.significant) score += (result.better === a.name ? 1 : -1) * PRIORITY_WEIGHTS[priorities[consideration]];
      }
      net.set(key(a.name, b.name), score);
      net.set(key(b.name, a.name), -score);
    }
  }
  const standing = evidence.map((e) => {
    const others = evidence.filter((o) => o !== e);
    const nets = others.map((o) => net.get(key(e.name, o.name)) ?? 0);
    return { e, wins: nets.filter((n) => n > 0).length, margin: nets.reduce((s, n) => s + n, 0), tiedWith: others.filter((o) => (net.get(key(e.name, o.name)) ?? 0) === 0).map((o) => o.name) };
  });
  // most pairwise wins; then the head-to-head result between the two; then the total margin; then simplicity
  standing.sort((x, y) => y.wins - x.wins || -(net.get(key(x.e.name, y.e.name)) ?? 0) || y.margin - x.margin || tieOrder(x.e, y.e));
  const ranking: RankedStrategy[] = standing.map((s, i) => ({ rank: i + 1, strategy: s.e.name, wins: s.wins, margin: s.margin, evidence: s.e.display, tiedWith: s.tiedWith }));
  const rationale = explain(ranking, evidence, comparisons, net, key, priorities, weighted);
  return { recommended: ranking[0]?.strategy ?? null, ranking, rationale, comparisons, priorities, tieBreaker: TIE_BREAKER };
}

function explain(ranking: RankedStrategy[], evidence: StrategyEvidence[], comparisons: BetterThan[], net: Map<string, number>, key: (a: string, b: string) => string, priorities: Priorities, weighted: Consideration[]): string[] {
  if (ranking.length === 0) return ['no strategy was evaluated'];
  const lines: string[] = [];
  const between = (a: string, b: string) => comparisons.filter((c) => (c.better === a && c.worse === b) || (c.better === b && c.worse === a));
  const describe = (c: BetterThan) => `${c.better} better than ${c.worse} on ${c.consideration} (Δ ${c.difference.toFixed(3)}, ${pText(c.p)}, n=${c.n})`;
  const top = ranking[0]!;
  const unbeatenBy = ranking.slice(1).filter((r) => (net.get(key(top.strategy, r.strategy)) ?? 0) > 0).map((r) => r.strategy);
  const tied = ranking.slice(1).filter((r) => (net.get(key(top.strategy, r.strategy)) ?? 0) === 0).map((r) => r.strategy);
  lines.push(`weights: ${weighted.map((c) => `${c}=${priorities[c]}`).join(', ') || 'none'}; a difference counts only when significant (paired bootstrap, p<0.05, n≥${MIN_PAIRED}; latency and cost also ≥ ${MIN_RELATIVE_TIMING_EFFECT * 100}% apart)`);
  const beatenBy = ranking.slice(1).filter((r) => (net.get(key(top.strategy, r.strategy)) ?? 0) < 0).map((r) => r.strategy);
  if (beatenBy.length) lines.push(`no strategy beats all others: ${top.strategy} has the most pairwise wins but loses to ${beatenBy.join(', ')} head to head`);
  if (tied.length === 0) lines.push(`recommended: ${top.strategy}: significantly better than ${unbeatenBy.join(', ')} under these priorities`);
  else {
    lines.push(`recommended: ${top.strategy}, but it is not significantly better than ${tied.join(', ')} on the weighted considerations, so this is not a measured win; the tie was broken by ${TIE_BREAKER}`);
  }
  for (let i = 0; i + 1 < ranking.length; i++) {
    const [a, b] = [ranking[i]!.strategy, ranking[i + 1]!.strategy];
    const results = between(a, b);
    const significant = results.filter((c) => c.significant);
    if (significant.length === 0) {
      lines.push(`${a} vs ${b}: no significant difference${results.length ? ` (${results.map((c) => `${c.consideration} ${pText(c.p)}${c.p < 0.05 && c.n >= MIN_PAIRED ? ' but under the 10% minimum gap' : ''}`).join(', ')})` : ''}; ordered by the tie-breaker`);
    } else {
      const score = net.get(key(a, b)) ?? 0;
      lines.push(`${a} vs ${b}: ${significant.map(describe).join('; ')}${score === 0 ? ' — these advantages cancel under your priorities; ordered by the tie-breaker' : ''}`);
    }
  }
  const unseen = comparisons.find((c) => c.consideration === 'accuracy' && c.worse === top.strategy && !c.significant && c.difference > 0 && c.better === mostAccurate(evidence));
  if (unseen) lines.push(`caution: ${unseen.better} answered more accurately than ${top.strategy} (Δ ${unseen.difference.toFixed(3)}), but with n=${unseen.n} held-out questions the difference is not significant (${pText(unseen.p)}), so it did not count; more questions could change the verdict`);
  const losses = comparisons.filter((c) => c.significant && c.worse === top.strategy);
  for (const loss of losses) lines.push(`what would change the verdict: ${loss.better} is significantly better on ${loss.consideration}; weighting ${loss.consideration} higher favours it`);
  return lines;
}
