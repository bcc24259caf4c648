import { diagnosticsTableRows, DIAGNOSTICS_NOTE, type ReadingDiagnostics } from '../evaluate/diagnostics.ts';
import type { EvalItem, EvalReport } from '../evaluate/eval-report.ts';
import { METRIC_LABELS } from '../evaluate/summarize.ts';
import { formatMs, formatNumber, formatUsd } from './format.ts';
import { STYLE } from './html-style.ts';
import { barChart, escapeHtml, PALETTE, scatterChart } from './svg.ts';

const BAR_METRICS = [
  'f1',
  'containment',
  'exactMatch',
  'judgeCorrect',
  'faithfulness',
  'abstentionRecall',
  'abstentionPrecision',
  'falseAbstention',
  'recallAtK',
  'mrr',
  'ndcg10',
] as const;
const CHUNK_PREVIEW = 700;

/** A self-contained HTML report (inline CSS and SVG, one tiny inline filter script): open it anywhere, offline. */
export function renderHtmlReport(report: EvalReport, options: { title?: string } = {}): string {
  const names = Object.keys(report.strategies);
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length]!;
  const title = options.title ?? `attune eval · ${report.runId}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>
<header><h1>${escapeHtml(title)}</h1><p class="muted">${escapeHtml(report.dataset.file)} · ${report.dataset.questions} questions · ${report.run.repeats} repeat(s) · temperature ${report.run.temperature} · generator <code>${escapeHtml(report.run.models.generator)}</code>${report.run.models.judge ? ` · judge <code>${escapeHtml(report.run.models.judge)}</code>` : ''} · ${escapeHtml(report.createdAt)}</p>
<p class="legend">${names.map((n) => `<span class="swatch" style="background:${color(n)}"></span>${escapeHtml(n)}${report.run.adapters[n] ? ` (adapter ${escapeHtml(report.run.adapters[n]!)})` : ''}`).join(' ')}</p></header>
${verdicts(report)}
<section><h2>Accuracy vs latency</h2><div class="row">${accuracyVsLatency(report, color)}<p class="note">Each point is a strategy: token F1 on answerable questions (whisker: 95% CI over questions) against its median end-to-end latency. Up and to the left is better.</p></div></section>
<section><h2>Metrics with 95% confidence intervals</h2><div class="grid">${BAR_METRICS.map((key) =>
    metricBars(report, key, color),
  )
    .filter(Boolean)
    .join('')}</div></section>
<section><h2>Latency, tokens and cost</h2>${operationsTable(report)}</section>
${diagnosticsSection(report)}
<section><h2>Questions</h2><input id="filter" type="search" placeholder="filter questions…" aria-label="filter questions"><div id="items">${drillDown(report, color)}</div></section>
<script>document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.toLowerCase();document.querySelectorAll('#items details.item').forEach(function(d){d.style.display=d.dataset.search.indexOf(q)>=0?'':'none';});});</script>
</body></html>
`;
}

function diagnosticsSection(report: EvalReport): string {
  return readingDiagnosticsHtml(report.diagnostics);
}

/** The reading-diagnostics table of an eval or compare report ('' when there are none). */
export function readingDiagnosticsHtml(diagnostics: ReadingDiagnostics | undefined): string {
  if (!diagnostics || Object.keys(diagnostics).length === 0) return '';
  const { header, rows } = diagnosticsTableRows(diagnostics);
  return `<section><h2>Reading diagnostics</h2><table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table><p class="note">${escapeHtml(DIAGNOSTICS_NOTE)}.</p></section>`;
}

function verdicts(report: EvalReport): string {
  if (report.comparisons.length === 0) return '';
  const items = report.comparisons.map(
    (c) =>
      `<li class="${c.significant ? 'sig' : 'nosig'}">${escapeHtml(c.verdict)} <span class="muted">Δ(${escapeHtml(c.a)} − ${escapeHtml(c.b)}) = ${c.difference.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}], n=${c.n}</span></li>`,
  );
  return `<section><h2>Paired comparisons</h2><p class="note">p-values Holm-adjusted across the ${report.comparisons.length} comparisons below.</p><ul class="verdicts">${items.join('')}</ul></section>`;
}

function accuracyVsLatency(report: EvalReport, color: (name: string) => string): string {
  const points = Object.entries(report.strategies).flatMap(([name, { metrics }]) => {
    const f1 = metrics.scores.f1;
    const latency = metrics.latency.total.p50;
    if (f1.mean === null || latency === null) return [];
    return [
      {
        label: name,
        color: color(name),
        x: latency,
        y: f1.mean,
        yLow: f1.low ?? undefined,
        yHigh: f1.high ?? undefined,
      },
    ];
  });
  if (points.length === 0) return '<p class="muted">No answered questions with references yet.</p>';
  return scatterChart(points, {
    xLabel: 'median latency (ms)',
    yLabel: 'token F1',
    yMax: Math.max(...points.map((p) => p.yHigh ?? p.y)) > 0.5 ? 1 : undefined,
  });
}

function metricBars(report: EvalReport, key: (typeof BAR_METRICS)[number], color: (name: string) => string): string {
  const bars = Object.entries(report.strategies).map(([name, { metrics }]) => {
    const estimate = metrics.scores[key];
    return { label: name, color: color(name), value: estimate.mean, low: estimate.low, high: estimate.high };
  });
  if (bars.every((bar) => bar.value === null)) return '';
  return `<div class="card">${barChart(METRIC_LABELS[key]!, bars, { max: 1 })}</div>`;
}

function operationsTable(report: EvalReport): string {
  const header = [
    'strategy',
    'retrieve p50/p95',
    'rerank p50/p95',
    'generate p50/p95',
    'first token p50/p95',
    'total p50/p95/max',
    'tokens in/out',
    'cost / query',
    'cost / 1k',
    'error rate',
    'errors',
    'judge agrees with refs',
  ];
  const rows = Object.entries(report.strategies).map(([name, { metrics: m }]) => [
    name,
    `${formatMs(m.latency.retrieve.p50)} / ${formatMs(m.latency.retrieve.p95)}`,
    `${formatMs(m.latency.rerank.p50)} / ${formatMs(m.latency.rerank.p95)}`,
    `${formatMs(m.latency.generate.p50)} / ${formatMs(m.latency.generate.p95)}`,
    `${formatMs(m.latency.firstToken.p50)} / ${formatMs(m.latency.firstToken.p95)}`,
    `${formatMs(m.latency.total.p50)} / ${formatMs(m.latency.total.p95)} / ${formatMs(m.latency.total.max)}`,
    `${formatNumber(m.tokens.promptMean, 0)} / ${formatNumber(m.tokens.completionMean, 0)}`,
    formatUsd(m.cost.perQuery),
    formatUsd(m.cost.per1000),
    `${(m.errorRate * 100).toFixed(1)}% (${m.errors}/${m.rows})`,
    Object.entries(m.errorKinds)
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ') || '0',
    m.judge.agreement.rate === null
      ? '–'
      : `${(m.judge.agreement.rate * 100).toFixed(0)}% (${m.judge.agreement.agreed}/${m.judge.agreement.items})`,
  ]);
  return `<table><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>
<p class="note">Failed answers score 0 on the answer metrics. Judge agreement: the judge's correctness verdict against the references on answers whose token F1 is unambiguous (≥ 0.8 right, 0 wrong).</p>
<p class="note">Cost: ${report.run.prices.hardwarePerHour ? `$${report.run.prices.hardwarePerHour}/hour of machine time` : ''}${report.run.prices.inputPerMillion || report.run.prices.outputPerMillion ? ` $${report.run.prices.inputPerMillion}/M tokens in, $${report.run.prices.outputPerMillion}/M out` : ''}.</p>`;
}

function drillDown(report: EvalReport, color: (name: string) => string): string {
  const byQuestion = new Map<string, EvalItem[]>();
  for (const { items } of Object.values(report.strategies))
    for (const item of items) byQuestion.set(item.questionId, [...(byQuestion.get(item.questionId) ?? []), item]);
  return [...byQuestion.values()]
    .map((items) => {
      const first = items[0]!;
      const summary = items
        .map(
          (item) =>
            `<span class="pill" style="border-color:${color(item.strategy)}">${escapeHtml(item.strategy)}${item.repeat ? `#${item.repeat}` : ''}: ${item.error ? 'error' : item.abstained ? 'abstained' : `F1 ${formatNumber(item.scores?.f1, 2)}`}</span>`,
        )
        .join('');
      const search = escapeHtml(`${first.question} ${first.questionId}`.toLowerCase());
      return `<details class="item" data-search="${search}"><summary><span class="q">${escapeHtml(first.question)}</span> <span class="muted">${first.answerable ? 'answerable' : 'unanswerable'}</span> ${summary}</summary>
<div class="refs"><b>References:</b> ${first.references.length ? first.references.map((r) => escapeHtml(r)).join(' <span class="muted">|</span> ') : '<i>none (the right reply is to abstain)</i>'}${first.goldDocIds.length ? `<br><b>Gold documents:</b> ${first.goldDocIds.map(escapeHtml).join(', ')}` : ''}</div>
${items.map((item) => answerBlock(item, color(item.strategy))).join('')}</details>`;
    })
    .join('\n');
}

function answerBlock(item: EvalItem, color: string): string {
  if (item.error)
    return `<div class="answer" style="border-color:${color}"><b>${escapeHtml(item.strategy)}</b> <span class="error">${escapeHtml(item.error.kind)}: ${escapeHtml(item.error.message)}</span></div>`;
  const s = item.scores;
  const scores = s
    ? `EM ${formatNumber(s.exactMatch, 0)} · F1 ${formatNumber(s.f1, 2)} · contains ${formatNumber(s.containment, 0)} · faithful ${formatNumber(s.faithfulness, 2)}${s.judgeCorrect !== null ? ` · judge ${s.judgeCorrect ? 'correct' : 'incorrect'}` : ''}${s.recallAtK !== null ? ` · recall@k ${formatNumber(s.recallAtK, 2)} · MRR ${formatNumber(s.mrr, 2)}` : ''}`
    : '';
  const judge = [item.judge?.correctness, item.judge?.faithfulness]
    .filter((v) => v !== undefined)
    .map(
      (v) =>
        `<div class="muted">judge said: <code>${escapeHtml(v.raw)}</code>${v.parseError ? ` <span class="error">${escapeHtml(v.parseError)}</span>` : ''}</div>`,
    )
    .join('');
  const gold = new Set(item.goldDocIds);
  const chunks = (item.retrieved ?? [])
    .map(
      (chunk, i) =>
        `<li class="${gold.has(chunk.docId) ? 'gold' : ''}"><b>[${i + 1}]</b> <code>${escapeHtml(chunk.docId)}</code> <span class="muted">score ${chunk.score.toFixed(3)}${gold.has(chunk.docId) ? ' · gold' : ''}</span><div class="chunk">${escapeHtml(chunk.text.length > CHUNK_PREVIEW ? `${chunk.text.slice(0, CHUNK_PREVIEW)}…` : chunk.text)}</div></li>`,
    )
    .join('');
  return `<div class="answer" style="border-color:${color}"><b>${escapeHtml(item.strategy)}</b>${item.repeat ? ` <span class="muted">repeat ${item.repeat}</span>` : ''}${item.abstained ? ' <span class="tag">abstained</span>' : ''} <span class="muted">${formatMs(item.timings?.totalMs)} · ${scores}</span>
<p>${escapeHtml(item.answer ?? '')}</p>${judge}${chunks ? `<details><summary>${item.retrieved!.length} retrieved chunks</summary><ol class="chunks">${chunks}</ol></details>` : ''}</div>`;
}
