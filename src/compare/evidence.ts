/**
 * What the recommendation weighs and returns: considerations, priorities, evidence and verdicts.
 * Shared by recommend.ts, pairwise.ts and rationale.ts, which import it and not each other's types.
 */
import { STRATEGY_CATALOG } from '../answer/catalog.ts';

export const CONSIDERATIONS = ['accuracy', 'freshness', 'cost', 'latency', 'customization'] as const;
export type Consideration = (typeof CONSIDERATIONS)[number];
export type Priority = 'high' | 'medium' | 'low' | 'ignore';
export type Priorities = Record<Consideration, Priority>;

export const PRIORITY_WEIGHTS: Record<Priority, number> = { high: 3, medium: 2, low: 1, ignore: 0 };
export const DEFAULT_PRIORITIES: Priorities = {
  accuracy: 'high',
  freshness: 'medium',
  cost: 'medium',
  latency: 'medium',
  customization: 'medium',
};

/**
 * The smallest difference that matters per consideration: accuracy, freshness (share of changed facts given) and
 * customization (format adherence) on their 0–1 scales; latency and cost as a share of the larger of the two means
 * (timings vary run to run by a few percent).
 */
export type MinEffects = Record<Consideration, number>;
export const DEFAULT_MIN_EFFECTS: MinEffects = {
  accuracy: 0.05,
  freshness: 0.1,
  customization: 0.05,
  latency: 0.1,
  cost: 0.1,
};

/** Between strategies shown equivalent, the simpler one wins: fewer moving parts to build and keep running (the catalog's simplicity rank). */
const SIMPLEST_FIRST = [...STRATEGY_CATALOG].sort((a, b) => a.simplicity - b.simplicity).map((s) => s.name);
export const TIE_BREAKER = `the simpler strategy (${SIMPLEST_FIRST.join(' < ')}: fewer parts to build, train and keep up to date), only between strategies shown equivalent`;

/** What the recommendation sees of one strategy: per-question values, higher is better, for each consideration measured. */
export interface StrategyEvidence {
  name: string;
  values: Partial<Record<Consideration, Map<string, number>>>;
  /** Human-readable evidence per consideration, e.g. "F1 0.62 [0.41, 0.80]". */
  display: Partial<Record<Consideration, string>>;
  costPer1000: number | null;
  /** Failed answers (errors, timeouts) of all answers: a strategy that failed every one ranks last. */
  errors?: { failed: number; total: number };
}

export interface RankedStrategy {
  /** Tied strategies share a rank. */
  rank: number;
  strategy: string;
  /** Pairs this strategy won under the priorities. */
  wins: number;
  /** Pairs won minus pairs lost. */
  margin: number;
  evidence: Partial<Record<Consideration, string>>;
  /** Strategies at the same rank: not separated by the data under these priorities. */
  tiedWith: string[];
  /** Why it shares its rank (empty when it does not). */
  tieReason: string;
  /** It failed every question. */
  failed: boolean;
}

export interface Recommendation {
  /** Null when the data does not single one out (verdict inconclusive) or nothing was evaluated. */
  recommended: string | null;
  /** recommended: better than every other under the priorities; tie: equivalent to the others at the top, the tie-breaker chose; inconclusive: the data cannot separate the top strategies yet. */
  verdict: 'recommended' | 'tie' | 'inconclusive' | 'none';
  ranking: RankedStrategy[];
  rationale: string[];
  comparisons: BetterThan[];
  pairs: PairVerdict[];
  /** The tests left unresolved between the top strategies, with the questions each would need. */
  unresolved: BetterThan[];
  /** Held-out questions that would resolve the top strategies at 80% power (the largest estimate, freshness aside: that needs changed facts), when inconclusive. */
  questionsNeeded: number | null;
  priorities: Priorities;
  minEffects: MinEffects;
  /** Tests in the Holm family (every paired difference and equivalence test above). */
  tests: number;
  tieBreaker: string;
}

/** One consideration, one pair of strategies: the paired test, its equivalence test, and what they show. */
export interface BetterThan {
  /** The side with the higher observed mean (higher is better for every consideration). */
  better: string;
  worse: string;
  consideration: Consideration;
  /** Mean paired difference (better − worse) in the consideration's own unit, with its 95% bootstrap interval. */
  difference: number;
  low: number;
  high: number;
  p: number;
  /** Holm-adjusted over every test of this recommendation (differences and equivalences together). */
  pAdjusted: number;
  /** The smallest difference that matters, in the consideration's unit. */
  margin: number;
  /** TOST p-value for "within ±margin", raw and Holm-adjusted. */
  pEquivalence: number;
  pEquivalenceAdjusted: number;
  n: number;
  /** Shown to differ: pAdjusted < ALPHA, n ≥ MIN_PAIRED and difference ≥ margin. */
  significant: boolean;
  /** Shown equivalent within ±margin (TOST, pEquivalenceAdjusted < ALPHA, n ≥ MIN_PAIRED). */
  equivalent: boolean;
  /** better: counts for `better` (significant, or the freshness rule); equivalent; unresolved: neither shown. */
  outcome: 'better' | 'equivalent' | 'unresolved';
  /** For an unresolved test: paired questions that would resolve a difference of this size at 80% power (to show it, or, below the margin, to show equivalence). */
  questionsNeeded: number | null;
  /** Set when the freshness rule decided: the worse side gave none of the changed facts. */
  rule?: string;
  /** Changed facts given after the update (freshness only): sums over the shared questions. */
  facts?: { better: number; worse: number; n: number };
}

/** How one pair came out under the priorities. */
export interface PairVerdict {
  a: string;
  b: string;
  /** decided: `winner` is better; tie: shown equivalent (or cancelling) on every weighted consideration; inconclusive: stopped at `priority`. */
  outcome: 'decided' | 'tie' | 'inconclusive';
  winner: string | null;
  /** The priority level that decided the pair or stopped it (null for a tie). */
  priority: Priority | null;
  /** The considerations that decided it, or those left unresolved. */
  considerations: Consideration[];
  reason: string;
}
