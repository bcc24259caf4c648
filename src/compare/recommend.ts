import { simplicityRank } from '../answer/catalog.ts';
import { UsageError } from '../errors.ts';
import {
  CONSIDERATIONS,
  DEFAULT_MIN_EFFECTS,
  DEFAULT_PRIORITIES,
  PRIORITY_WEIGHTS,
  TIE_BREAKER,
  type Consideration,
  type MinEffects,
  type Priorities,
  type Priority,
  type RankedStrategy,
  type Recommendation,
  type StrategyEvidence,
} from './evidence.ts';
import { judgePair, LEVELS, RELATIVE, testPairs, type PairVerdict } from './pairwise.ts';
import { explain } from './rationale.ts';

export { ALPHA, MIN_PAIRED, POWER, type BetterThan, type PairVerdict } from './pairwise.ts';
export {
  CONSIDERATIONS,
  DEFAULT_MIN_EFFECTS,
  DEFAULT_PRIORITIES,
  PRIORITY_WEIGHTS,
  TIE_BREAKER,
  type Consideration,
  type MinEffects,
  type Priorities,
  type Priority,
  type RankedStrategy,
  type Recommendation,
  type StrategyEvidence,
} from './evidence.ts';

/** `freshness=high,latency=low` → priorities (unnamed considerations keep their defaults). */
export function parsePriorities(text: string | undefined): Priorities {
  const priorities = { ...DEFAULT_PRIORITIES };
  for (const [key, value] of pairs(text, '--priorities')) {
    if (!value || !(value in PRIORITY_WEIGHTS))
      throw new UsageError(`--priorities: ${key}=${value ?? ''}: use high, medium, low or ignore`);
    priorities[key] = value as Priority;
  }
  return priorities;
}

/** `accuracy=0.1,latency=20%` → minimum effects over the defaults; a trailing % divides by 100. */
export function parseMinEffects(text: string | undefined): MinEffects {
  const effects = { ...DEFAULT_MIN_EFFECTS };
  for (const [key, value] of pairs(text, '--min-effect')) {
    const number =
      value === undefined ? Number.NaN : value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
    if (!Number.isFinite(number) || number < 0 || (!RELATIVE.has(key) && number > 1) || value === '')
      throw new UsageError(
        `--min-effect: ${key}=${value ?? ''}: use a number ≥ 0 (accuracy, freshness, customization on their 0–1 scale; latency, cost as a share such as 0.1 or 10%)`,
      );
    effects[key] = number;
  }
  return effects;
}

function pairs(text: string | undefined, flag: string): [Consideration, string | undefined][] {
  return (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((part) => {
      const [key, value] = part.split('=').map((s) => s.trim()) as [string, string | undefined];
      if (!(CONSIDERATIONS as readonly string[]).includes(key))
        throw new UsageError(`${flag}: unknown consideration "${key}" (known: ${CONSIDERATIONS.join(', ')})`);
      return [key as Consideration, value];
    });
}

const tieOrder = (a: string, b: string) => simplicityRank(a) - simplicityRank(b) || a.localeCompare(b);
const average = (values: Iterable<number>) => {
  const list = [...values];
  return list.reduce((s, v) => s + v, 0) / Math.max(list.length, 1);
};

/**
 * Recommends a strategy only where the data supports it. Every pair is judged consideration by consideration in
 * priority order (see `judgePair`); strategies are ranked in groups, each the smallest set whose members all beat
 * every strategy below it (the Smith set), so strategies the data cannot separate share a rank.
 */
export function recommend(
  evidence: StrategyEvidence[],
  priorities: Priorities,
  options: { minEffects?: Partial<MinEffects> } = {},
): Recommendation {
  const minEffects = { ...DEFAULT_MIN_EFFECTS, ...options.minEffects };
  const weighted = CONSIDERATIONS.filter((c) => PRIORITY_WEIGHTS[priorities[c]] > 0);
  const failedAll = (e: StrategyEvidence) => !!e.errors && e.errors.total > 0 && e.errors.failed === e.errors.total;
  const active = evidence.filter((e) => !failedAll(e));
  const comparisons = testPairs(active, priorities, minEffects, weighted);
  const verdicts: PairVerdict[] = [];
  for (let i = 0; i < active.length; i++)
    for (let j = i + 1; j < active.length; j++)
      verdicts.push(judgePair(active[i]!.name, active[j]!.name, comparisons, priorities));
  const verdict = (x: string, y: string) => verdicts.find((v) => (v.a === x && v.b === y) || (v.a === y && v.b === x));
  const beats = (x: string, y: string) => verdict(x, y)?.winner === x;
  const wins = (x: string) => active.filter((o) => beats(x, o.name)).length;
  const losses = (x: string) => active.filter((o) => beats(o.name, x)).length;
  const top = LEVELS.flatMap((level) => weighted.filter((c) => priorities[c] === level))[0];
  const observed = (name: string) =>
    average(active.find((e) => e.name === name)?.values[top ?? 'accuracy']?.values() ?? []);
  const groups = smithGroups(
    active.map((e) => e.name),
    beats,
  ).map((group) =>
    group.sort((x, y) => wins(y) - losses(y) - (wins(x) - losses(x)) || observed(y) - observed(x) || tieOrder(x, y)),
  );
  const ranking: RankedStrategy[] = [];
  const display = (name: string) => evidence.find((e) => e.name === name)!.display;
  for (const group of groups) {
    const rank = ranking.length + 1;
    for (const name of group) {
      const tiedWith = group.filter((o) => o !== name);
      const reasons = tiedWith
        .map((o) => verdict(name, o)!)
        .filter((v) => v.outcome !== 'decided')
        .map((v) => `${v.a} vs ${v.b}: ${v.reason}`);
      ranking.push({
        rank,
        strategy: name,
        wins: wins(name),
        margin: wins(name) - losses(name),
        evidence: display(name),
        tiedWith,
        tieReason: tiedWith.length ? reasons.join('; ') || 'they beat one another in a cycle' : '',
        failed: false,
      });
    }
  }
  const lastRank = ranking.length + 1;
  for (const e of evidence.filter(failedAll))
    ranking.push({
      rank: lastRank,
      strategy: e.name,
      wins: 0,
      margin: -active.length,
      evidence: e.display,
      tiedWith: [],
      tieReason: '',
      failed: true,
    });
  const first = groups[0] ?? [];
  const insideTop = verdicts.filter((v) => first.includes(v.a) && first.includes(v.b));
  const kind: Recommendation['verdict'] =
    first.length === 0
      ? 'none'
      : first.length === 1
        ? 'recommended'
        : insideTop.every((v) => v.outcome === 'tie')
          ? 'tie'
          : 'inconclusive';
  const recommended = kind === 'recommended' ? first[0]! : kind === 'tie' ? [...first].sort(tieOrder)[0]! : null;
  const unresolved = insideTop
    .filter((v) => v.outcome === 'inconclusive')
    .flatMap((v) =>
      comparisons.filter(
        (c) =>
          [c.better, c.worse].includes(v.a) &&
          [c.better, c.worse].includes(v.b) &&
          priorities[c.consideration] === v.priority &&
          c.outcome === 'unresolved',
      ),
    );
  // changed facts are counted apart: more held-out questions do not add facts, a larger update does
  const needs = unresolved
    .filter((c) => c.consideration !== 'freshness')
    .map((c) => c.questionsNeeded)
    .filter((n): n is number => n !== null);
  const result: Recommendation = {
    recommended,
    verdict: kind,
    ranking,
    rationale: [],
    comparisons,
    pairs: verdicts,
    unresolved,
    questionsNeeded: kind === 'inconclusive' && needs.length ? Math.max(...needs) : null,
    priorities,
    minEffects,
    tests: comparisons.length * 2,
    tieBreaker: TIE_BREAKER,
  };
  result.rationale = explain(result, evidence, weighted);
  return result;
}

/** Ranks as successive Smith sets: the smallest group whose members all beat every strategy outside it. */
function smithGroups(names: string[], beats: (x: string, y: string) => boolean): string[][] {
  const groups: string[][] = [];
  let rest = [...names];
  while (rest.length) {
    let smallest = rest;
    for (const start of rest) {
      const set = new Set([start]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const y of rest)
          if (!set.has(y) && [...set].some((x) => !beats(x, y))) {
            set.add(y);
            grew = true;
          }
      }
      if (set.size < smallest.length) smallest = [...set];
    }
    groups.push(smallest);
    rest = rest.filter((n) => !smallest.includes(n));
  }
  return groups;
}
