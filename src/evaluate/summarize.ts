import { summarizeLatency, type LatencySummary } from './metrics/latency.ts';
import { judgeAgreement, type JudgeAgreement } from './metrics/judge.ts';
import {
  bootstrapMean,
  holm,
  mean,
  pairedTest,
  questionsNeeded,
  type Estimate,
  type PairedComparison,
} from './metrics/statistics.ts';
import type { EvalRow, RowScores } from './row.ts';

/** The per-question metrics that get a mean and a 95% CI (bootstrap over questions, repeats averaged first). */
export const SCORE_METRICS = [
  'exactMatch',
  'f1',
  'containment',
  'judgeCorrect',
  'faithfulness',
  'recallAtK',
  'mrr',
  'ndcg10',
] as const satisfies readonly (keyof RowScores)[];
export type ScoreMetric = (typeof SCORE_METRICS)[number];

export const METRIC_LABELS: Record<string, string> = {
  exactMatch: 'exact match',
  f1: 'token F1',
  containment: 'containment',
  judgeCorrect: 'judge correct',
  faithfulness: 'faithfulness',
  recallAtK: 'recall@k',
  mrr: 'MRR',
  ndcg10: 'nDCG@10',
  abstentionPrecision: 'abstention precision',
  abstentionRecall: 'abstention recall',
  falseAbstention: 'abstained on answerable',
};

export interface StrategyMetrics {
  questions: number;
  rows: number;
  /** Failed answers (errors, timeouts): each scores 0 on the answer metrics, so a failure never improves a mean. */
  errors: number;
  /** errors / rows. */
  errorRate: number;
  errorKinds: Record<string, number>;
  scores: Record<ScoreMetric | 'abstentionPrecision' | 'abstentionRecall' | 'falseAbstention', Estimate>;
  latency: Record<'retrieve' | 'rerank' | 'generate' | 'firstToken' | 'total', LatencySummary>;
  tokens: { promptMean: number | null; completionMean: number | null; promptTotal: number; completionTotal: number };
  cost: { perQuery: number | null; per1000: number | null };
  judge: { calls: number; parseFailures: number; agreement: JudgeAgreement };
  harness: { overheadMs: number; modelMs: number };
}

export interface Comparison extends PairedComparison {
  a: string;
  b: string;
  metric: ScoreMetric;
  /** Holm-adjusted over every comparison of the report; `significant` uses it. */
  pAdjusted: number;
  /** For a difference that is not significant: paired questions that would show one of the observed size at 80% power (Holm's strictest threshold). */
  questionsNeeded: number | null;
  /** "rag beats base on token F1 (adjusted p=0.002)" or "no significant difference … (adjusted p=0.41; ≈120 questions …)". */
  verdict: string;
}

/** Answer metrics a failed answer scores 0 on (when the question has references). */
const ANSWER_METRICS: ReadonlySet<string> = new Set(['exactMatch', 'f1', 'containment', 'judgeCorrect']);

/** A row's value for a metric, a failed answer counted as 0 on the answer metrics the run measures. */
function scoreOf(metric: ScoreMetric, measured: boolean) {
  return (row: EvalRow) =>
    row.error ? (ANSWER_METRICS.has(metric) && row.answerable && measured ? 0 : null) : row.scores?.[metric];
}
const measures = (rows: EvalRow[], metric: ScoreMetric) => rows.some((row) => typeof row.scores?.[metric] === 'number');

function perQuestion(rows: EvalRow[], value: (row: EvalRow) => number | null | undefined): Map<string, number> {
  const byQuestion = new Map<string, number[]>();
  for (const row of rows) {
    const v = value(row);
    if (typeof v !== 'number' || Number.isNaN(v)) continue;
    byQuestion.set(row.questionId, [...(byQuestion.get(row.questionId) ?? []), v]);
  }
  return new Map([...byQuestion].map(([id, values]) => [id, mean(values)!]));
}

export function summarizeStrategy(allRows: EvalRow[]): StrategyMetrics {
  const rows = allRows.filter((row) => !row.error);
  const errorKinds: Record<string, number> = {};
  for (const row of allRows) if (row.error) errorKinds[row.error.kind] = (errorKinds[row.error.kind] ?? 0) + 1;
  const estimate = (value: (row: EvalRow) => number | null | undefined, subset = rows) =>
    bootstrapMean([...perQuestion(subset, value).values()]);
  const scores = Object.fromEntries(
    SCORE_METRICS.map((metric) => [metric, estimate(scoreOf(metric, measures(allRows, metric)), allRows)]),
  ) as StrategyMetrics['scores'];
  const abstainedRows = rows.filter((row) => row.abstained);
  scores.abstentionPrecision = bootstrapMean(abstainedRows.map((row) => (row.answerable ? 0 : 1)));
  scores.abstentionRecall = estimate(
    (row) => (row.abstained ? 1 : 0),
    rows.filter((row) => !row.answerable),
  );
  scores.falseAbstention = estimate(
    (row) => (row.abstained ? 1 : 0),
    rows.filter((row) => row.answerable),
  );
  const timing = (key: 'retrieveMs' | 'rerankMs' | 'generateMs' | 'firstTokenMs' | 'totalMs') =>
    summarizeLatency(rows.map((row) => row.timings?.[key]));
  const prompt = rows.map((row) => row.usage?.promptTokens ?? 0);
  const completion = rows.map((row) => row.usage?.completionTokens ?? 0);
  const perQuery = mean(rows.map((row) => row.cost ?? 0));
  const verdicts = rows.flatMap((row) =>
    [row.judge?.correctness, row.judge?.faithfulness].filter((v) => v !== undefined),
  );
  return {
    questions: new Set(allRows.map((row) => row.questionId)).size,
    rows: allRows.length,
    errors: allRows.length - rows.length,
    errorRate: allRows.length ? (allRows.length - rows.length) / allRows.length : 0,
    errorKinds,
    scores,
    latency: {
      retrieve: timing('retrieveMs'),
      rerank: timing('rerankMs'),
      generate: timing('generateMs'),
      firstToken: timing('firstTokenMs'),
      total: timing('totalMs'),
    },
    tokens: {
      promptMean: mean(prompt),
      completionMean: mean(completion),
      promptTotal: prompt.reduce((a, b) => a + b, 0),
      completionTotal: completion.reduce((a, b) => a + b, 0),
    },
    cost: { perQuery, per1000: perQuery === null ? null : perQuery * 1000 },
    judge: {
      calls: verdicts.length,
      parseFailures: verdicts.filter((v) => v.score === null).length,
      agreement: judgeAgreement(rows),
    },
    harness: {
      overheadMs: rows.reduce((a, row) => a + row.harnessMs, 0),
      modelMs: rows.reduce((a, row) => a + (row.timings?.totalMs ?? 0), 0),
    },
  };
}

export function groupByStrategy(rows: EvalRow[], order: string[]): Map<string, EvalRow[]> {
  const groups = new Map<string, EvalRow[]>(order.map((name) => [name, []]));
  for (const row of rows) groups.set(row.strategy, [...(groups.get(row.strategy) ?? []), row]);
  return groups;
}

const COMPARED: ScoreMetric[] = ['f1', 'containment', 'exactMatch', 'judgeCorrect', 'faithfulness'];

/**
 * Paired bootstrap for every pair of strategies on every answer metric both measure, failed answers scored 0,
 * Holm-corrected across all of them (one family per report).
 */
export function compareStrategies(groups: Map<string, EvalRow[]>): Comparison[] {
  const names = [...groups.keys()];
  const raw: (PairedComparison & { a: string; b: string; metric: ScoreMetric; sd: number })[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const [a, b] = [names[i]!, names[j]!];
      for (const metric of COMPARED) {
        const measured = measures(groups.get(a)!, metric) || measures(groups.get(b)!, metric);
        const valuesA = perQuestion(groups.get(a)!, scoreOf(metric, measured));
        const valuesB = perQuestion(groups.get(b)!, scoreOf(metric, measured));
        const shared = [...valuesA.keys()].filter((id) => valuesB.has(id));
        const result = pairedTest(
          shared.map((id) => valuesA.get(id)!),
          shared.map((id) => valuesB.get(id)!),
        );
        if (!result) continue;
        const { pEquivalence: _none, ...test } = result;
        raw.push({ a, b, metric, ...test });
      }
    }
  }
  const adjusted = holm(raw.map((r) => r.p));
  return raw.map(({ sd, ...result }, index) => {
    const pAdjusted = adjusted[index]!;
    const significant = pAdjusted < 0.05;
    const label = METRIC_LABELS[result.metric];
    const p = pAdjusted < 0.001 ? 'adjusted p<0.001' : `adjusted p=${pAdjusted.toFixed(3)}`;
    const [winner, loser] = result.difference > 0 ? [result.a, result.b] : [result.b, result.a];
    const estimate = significant
      ? null
      : questionsNeeded({ difference: result.difference, sd, alpha: 0.05 / raw.length });
    // the normal approximation can undercut a sample the bootstrap found too small: at least one more question
    const needed = estimate === null ? null : Math.max(estimate, result.n + 1);
    const verdict = significant
      ? `${winner} beats ${loser} on ${label} (${p})`
      : `no significant difference between ${result.a} and ${result.b} on ${label} (${p}, n=${result.n}${needed !== null ? `; ≈${needed.toLocaleString('en-US')} questions would show a difference of ${Math.abs(result.difference).toFixed(3)} at 80% power` : ''})`;
    return { ...result, significant, pAdjusted, questionsNeeded: needed, verdict };
  });
}
