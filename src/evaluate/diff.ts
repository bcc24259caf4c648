import type { EvalReport } from './eval-report.ts';
import { pairedBootstrap, type PairedComparison } from './metrics/statistics.ts';
import { SCORE_METRICS, type ScoreMetric } from './summarize.ts';

export interface RunDiffRow {
  strategy: string;
  metric: ScoreMetric;
  a: number | null;
  b: number | null;
  delta: number | null;
  /** Paired over the questions both runs answered (null when they share none). */
  paired: PairedComparison | null;
}

function perQuestion(report: EvalReport, strategy: string, metric: ScoreMetric): Map<string, number> {
  const sums = new Map<string, number[]>();
  for (const item of report.strategies[strategy]?.items ?? []) {
    const value = item.scores?.[metric];
    if (typeof value === 'number') sums.set(item.questionId, [...(sums.get(item.questionId) ?? []), value]);
  }
  return new Map([...sums].map(([id, values]) => [id, values.reduce((a, b) => a + b, 0) / values.length]));
}

/** Metric by metric, for each strategy present in both runs: B − A, with a paired bootstrap where questions overlap. */
export function diffRuns(a: EvalReport, b: EvalReport): RunDiffRow[] {
  const rows: RunDiffRow[] = [];
  for (const strategy of Object.keys(a.strategies).filter((name) => name in b.strategies)) {
    for (const metric of SCORE_METRICS) {
      const meanA = a.strategies[strategy]!.metrics.scores[metric].mean;
      const meanB = b.strategies[strategy]!.metrics.scores[metric].mean;
      if (meanA === null && meanB === null) continue;
      const valuesA = perQuestion(a, strategy, metric);
      const valuesB = perQuestion(b, strategy, metric);
      const shared = [...valuesA.keys()].filter((id) => valuesB.has(id));
      const paired = pairedBootstrap(
        shared.map((id) => valuesB.get(id)!),
        shared.map((id) => valuesA.get(id)!),
      );
      rows.push({
        strategy,
        metric,
        a: meanA,
        b: meanB,
        delta: meanA !== null && meanB !== null ? meanB - meanA : null,
        paired,
      });
    }
  }
  return rows;
}
