import { diagnosticsTableRows, DIAGNOSTICS_NOTE } from '../evaluate/diagnostics.ts';
import type { EvalReport } from '../evaluate/eval-report.ts';
import { METRIC_LABELS, type StrategyMetrics } from '../evaluate/summarize.ts';
import { formatEstimate, formatMs, formatNumber, formatUsd, renderTable } from './format.ts';

const SCORE_ROWS = [
  'exactMatch',
  'f1',
  'containment',
  'judgeCorrect',
  'faithfulness',
  'abstentionPrecision',
  'abstentionRecall',
  'falseAbstention',
  'recallAtK',
  'mrr',
  'ndcg10',
] as const;

/** The terminal summary: one column per strategy, mean [95% CI] per metric, then latency, tokens, cost, verdicts. */
export function renderEvalTable(report: EvalReport): string {
  const names = Object.keys(report.strategies);
  const metrics = names.map((name) => report.strategies[name]!.metrics);
  const row = (label: string, cell: (m: StrategyMetrics) => string) => [label, ...metrics.map(cell)];
  const rows: string[][] = [];
  for (const key of SCORE_ROWS) {
    if (metrics.every((m) => m.scores[key].mean === null)) continue;
    rows.push(row(METRIC_LABELS[key]!, (m) => formatEstimate(m.scores[key])));
  }
  for (const stage of ['retrieve', 'rerank', 'generate', 'firstToken', 'total'] as const) {
    if (metrics.every((m) => !m.latency[stage].max)) continue;
    rows.push(
      row(
        `${stage === 'firstToken' ? 'first token' : stage} p50/p95/max`,
        (m) =>
          `${formatMs(m.latency[stage].p50)} / ${formatMs(m.latency[stage].p95)} / ${formatMs(m.latency[stage].max)}`,
      ),
    );
  }
  rows.push(
    row(
      'tokens in/out (mean)',
      (m) => `${formatNumber(m.tokens.promptMean, 0)} / ${formatNumber(m.tokens.completionMean, 0)}`,
    ),
  );
  rows.push(row('cost per query / 1k', (m) => `${formatUsd(m.cost.perQuery)} / ${formatUsd(m.cost.per1000)}`));
  rows.push(row('questions (errors)', (m) => `${m.questions} (${m.errors})`));
  rows.push(row('error rate (scored 0)', (m) => `${(m.errorRate * 100).toFixed(1)}% (${m.errors}/${m.rows})`));
  if (metrics.some((m) => m.judge.calls > 0)) {
    rows.push(row('judge parse failures', (m) => `${m.judge.parseFailures}/${m.judge.calls}`));
    rows.push(
      row('judge agrees with refs', (m) =>
        m.judge.agreement.rate === null
          ? '–'
          : `${(m.judge.agreement.rate * 100).toFixed(0)}% (${m.judge.agreement.agreed}/${m.judge.agreement.items})`,
      ),
    );
  }
  const table = renderTable(['metric', ...names], rows);
  const verdicts = report.comparisons
    .filter((c) => ['f1', 'faithfulness', 'judgeCorrect'].includes(c.metric))
    .map((c) => `  ${c.verdict}`);
  const notes = [
    'failed answers (errors, timeouts) score 0 on exact match, token F1, containment and judge correctness; p-values are Holm-adjusted across all comparisons',
    ...(metrics.some((m) => m.judge.calls > 0)
      ? [
          `judge: ${report.run.models.judge === 'generator' ? 'the model under test grading itself (forced: --judge-self, or judge: true on the server)' : report.run.models.judge}; "agrees with refs" counts answers whose token F1 is unambiguous (≥ 0.8 right, 0 wrong)`,
        ]
      : []),
  ];
  if (report.diagnostics && Object.keys(report.diagnostics).length) {
    const { header, rows: lines } = diagnosticsTableRows(report.diagnostics);
    notes.unshift(renderTable(header, lines), DIAGNOSTICS_NOTE, '');
  }
  return [
    `run ${report.runId} · ${report.dataset.file} (${report.dataset.questions} questions, ${report.run.repeats} repeat${report.run.repeats > 1 ? 's' : ''})`,
    '',
    table,
    ...(verdicts.length ? ['', ...verdicts] : []),
    '',
    ...notes,
  ].join('\n');
}
