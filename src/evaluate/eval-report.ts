import type { Question } from '../dataset/questions.ts';
import type { ReadingDiagnostics } from './diagnostics.ts';
import type { EvalRow } from './row.ts';
import type { RunMeta } from './runs.ts';
import {
  compareStrategies,
  groupByStrategy,
  summarizeStrategy,
  type Comparison,
  type StrategyMetrics,
} from './summarize.ts';

/** A row with its question, for reading: what `--json` writes per item and the HTML drill-down shows. */
export interface EvalItem extends EvalRow {
  question: string;
  references: string[];
  goldDocIds: string[];
}

/** What `attune eval --json FILE` writes: `{runId, dataset, strategies: {NAME: {metrics, items}}}` plus comparisons. */
export interface EvalReport {
  runId: string;
  createdAt: string;
  dataset: RunMeta['dataset'];
  run: Omit<RunMeta, 'questionIds' | 'config'>;
  strategies: Record<string, { metrics: StrategyMetrics; items: EvalItem[] }>;
  comparisons: Comparison[];
  /** RAFT-style reading diagnostics of the strategies that read documents (`attune eval --diagnostics`). */
  diagnostics?: ReadingDiagnostics;
}

export function buildEvalReport(meta: RunMeta, rows: EvalRow[], questions: Question[]): EvalReport {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const groups = groupByStrategy(rows, meta.strategies);
  const strategies: EvalReport['strategies'] = {};
  for (const [name, group] of groups) {
    const items = group.map((row) => {
      const question = byId.get(row.questionId);
      return {
        ...row,
        question: question?.question ?? '',
        references: question?.answers ?? [],
        goldDocIds: question?.goldDocIds ?? [],
      };
    });
    strategies[name] = { metrics: summarizeStrategy(group), items };
  }
  const { questionIds: _ids, config: _config, ...run } = meta;
  return {
    runId: meta.runId,
    createdAt: meta.createdAt,
    dataset: meta.dataset,
    run,
    strategies,
    comparisons: compareStrategies(groups),
  };
}
