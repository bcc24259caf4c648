import { retrievalTuningLines } from './retrieval-tuning.ts';
import { diagnosticsTableRows, DIAGNOSTICS_NOTE } from '../evaluate/diagnostics.ts';
import { formatEstimate, formatMs, formatNumber, formatUsd, renderTable } from '../report/format.ts';
import type { CompareResult } from './assemble.ts';
import type { Recommendation } from './recommend.ts';

/** The terminal summary: one column per strategy, then the freshness table and the recommendation. */
export function renderCompareSummary(result: CompareResult): string {
  const names = Object.keys(result.strategies);
  const s = names.map((n) => result.strategies[n]!);
  const row = (label: string, cell: (r: (typeof s)[number]) => string) => [label, ...s.map(cell)];
  const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(0)}%`);
  const rows = [
    row(`accuracy (${result.metric}, 95% CI)`, (r) => formatEstimate(r.accuracy, 2)),
    row('token F1', (r) => formatEstimate(r.metrics.scores.f1, 2)),
    row('faithfulness', (r) => formatEstimate(r.metrics.scores.faithfulness, 2)),
    row('latency p50 / p95', (r) => `${formatMs(r.timings.e2e.p50)} / ${formatMs(r.timings.e2e.p95)}`),
    row('first token p50', (r) => formatMs(r.timings.firstToken.p50)),
    row('prompt tokens (mean)', (r) => formatNumber(r.cost.promptTokensMean, 0)),
    row('cost / 1k queries', (r) => formatUsd(r.cost.per1000)),
    row('training', (r) =>
      r.cost.trainingSeconds === null
        ? '–'
        : `${r.cost.trainingSeconds.toFixed(0)} s, ${formatUsd(r.cost.trainingUsd)}`,
    ),
    row('break-even vs rag', (r) =>
      r.cost.breakEvenQueries === null ? '–' : `${r.cost.breakEvenQueries.toLocaleString('en-US')} queries`,
    ),
    row(
      'error rate (scored 0)',
      (r) => `${((r.metrics.errorRate ?? 0) * 100).toFixed(0)}% (${r.metrics.errors}/${r.metrics.rows})`,
    ),
  ];
  if (result.customization) rows.push(row('format adherence', (r) => formatEstimate(r.customization!.adherence, 2)));
  if (result.freshness) {
    rows.push(row('update', (r) => r.freshness?.update ?? '–'));
    rows.push(
      row('update time / cost', (r) =>
        r.freshness ? `${r.freshness.updateSeconds.toFixed(1)} s / ${formatUsd(r.freshness.updateUsd)}` : '–',
      ),
    );
    rows.push(
      row('new facts before → after', (r) =>
        r.freshness
          ? `${pct(r.freshness.before.accuracy)} → ${pct(r.freshness.after.accuracy)}${r.freshness.afterCounts ? ` (${r.freshness.afterCounts.given}/${r.freshness.afterCounts.n})` : ''}`
          : '–',
      ),
    );
    rows.push(
      row('stale (old fact) before → after', (r) =>
        r.freshness ? `${pct(r.freshness.before.staleness)} → ${pct(r.freshness.after.staleness)}` : '–',
      ),
    );
  }
  const header = `attune compare · ${result.scale.documents} documents · ${result.scale.questions} held-out questions × ${result.scale.repeats} repeat(s)${result.freshness ? ` · update: ${result.freshness.changedDocuments} documents, ${result.freshness.changedFacts} changed facts` : ''}`;
  const lines = [header, '', renderTable(['', ...names], rows), ''];
  if (result.freshness?.stalenessWindow) lines.push(stalenessLine(result.freshness.stalenessWindow), '');
  if (result.diagnostics && Object.keys(result.diagnostics).length) {
    const { header, rows: table } = diagnosticsTableRows(result.diagnostics);
    lines.push(renderTable(header, table), DIAGNOSTICS_NOTE, '');
  }
  if (result.retrievalTuning) lines.push(...retrievalTuningLines(result.retrievalTuning), '');
  lines.push(
    `recommendation (priorities: ${Object.entries(result.recommendation.priorities)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}):`,
  );
  lines.push(`  verdict: ${verdictText(result.recommendation)}`);
  lines.push(`  ranking: ${rankingText(result.recommendation)}`);
  for (const line of result.recommendation.rationale) lines.push(`  - ${line}`);
  if (result.signs.length) lines.push('', 'signs to note:', ...result.signs.map((sign) => `  ! ${sign}`));
  if (result.warnings.length) lines.push('', ...result.warnings.slice(0, 8).map((w) => `warning: ${w}`));
  lines.push(
    '',
    `index ${formatBytes(result.resources.indexBytes)} on disk · peak memory ${result.resources.peakRssMb} MB · steps: ${result.steps.map((st) => `${st.step} ${st.seconds.toFixed(0)} s${st.cached ? ' (reused)' : ''}`).join(', ')}`,
  );
  return lines.join('\n');
}

/** "ft-rag (recommended)", "tie: rag chosen by simplicity", "inconclusive: no strategy recommended". */
export function verdictText(recommendation: Recommendation): string {
  switch (recommendation.verdict) {
    case 'recommended':
      return `${recommendation.recommended} (recommended)`;
    case 'tie':
      return `${recommendation.recommended} (shown equivalent to the others at rank 1; chosen by the tie-breaker)`;
    case 'inconclusive':
      return `inconclusive: no strategy recommended${recommendation.questionsNeeded !== null ? `; about ${recommendation.questionsNeeded.toLocaleString('en-US')} held-out questions would decide` : ''}`;
    case 'none':
      return 'nothing to recommend';
    default:
      return recommendation.recommended ?? 'none';
  }
}

/** Ranks with ties: "1. ft-rag = raft  3. ft  4. base (failed every question)". */
export function rankingText(recommendation: Recommendation): string {
  const ranks = [...new Set(recommendation.ranking.map((r) => r.rank))];
  return ranks
    .map(
      (rank) =>
        `${rank}. ${recommendation.ranking
          .filter((r) => r.rank === rank)
          .map((r) => `${r.strategy}${r.failed ? ' (failed every question)' : ''}`)
          .join(' = ')}`,
    )
    .join('  ');
}

/**
 * The closing line of a run sized for speed rather than power: a plain "no recommendation, the sample is too small"
 * with what would decide, or the verdict when the data supports one.
 */
export function sampleVerdict(
  recommendation: Recommendation,
  questions: number,
  nextStep: (needed: number | null) => string,
): string {
  const r = recommendation;
  if (r.verdict === 'recommended') return `Verdict: ${r.recommended}, supported by the data under these priorities.`;
  if (r.verdict === 'tie')
    return `Verdict: ${r.recommended} (shown equivalent to ${r.ranking
      .filter((x) => x.rank === 1 && x.strategy !== r.recommended)
      .map((x) => x.strategy)
      .join(', ')}; chosen by the tie-breaker).`;
  if (r.verdict === 'none') return 'No recommendation: no strategy answered any question.';
  const top = r.ranking.filter((x) => x.rank === 1).map((x) => x.strategy);
  return [
    `No recommendation: the sample is too small to decide. ${questions} held-out questions cannot separate ${top.join(', ')} (ranking: ${rankingText(r)}).`,
    'The differences between them are not evidence yet: each is listed above as "unresolved" with its 95% interval.',
    `To decide: ${nextStep(r.questionsNeeded)}.`,
  ].join('\n');
}

export function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(0)} kB`;
}

/** One line: how long rag under `attune watch` and a re-trained adapter each answer from the old version. */
export function stalenessLine(window: NonNullable<CompareResult['freshness']>['stalenessWindow']): string {
  const ft =
    window.ftRetrainSeconds === null
      ? 'no adapter was re-trained'
      : `ft answers from the old version until it is re-trained: ${window.ftRetrainSeconds.toFixed(1)} s here`;
  return `staleness window: rag under \`attune watch\` ${window.ragUnderWatchSeconds.toFixed(1)} s (a ${window.debounceSeconds.toFixed(2)} s debounce + this update's incremental re-index); ${ft}`;
}
