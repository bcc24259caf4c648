import { adapterKindOf } from '../answer/catalog.ts';
import { formatEstimate, formatMs, formatNumber, formatUsd } from '../report/format.ts';
import { STYLE } from '../report/html-style.ts';
import { readingDiagnosticsHtml } from '../report/html.ts';
import { barChart, escapeHtml, PALETTE, scatterChart } from '../report/svg.ts';
import type { LossPoint } from '../tune/trainer.ts';
import type { CompareResult } from './assemble.ts';
import { CONSIDERATIONS } from './recommend.ts';
import { formatBytes, stalenessLine, verdictText } from './summary.ts';
import { retrievalTuningLines } from './retrieval-tuning.ts';

const EXTRA_STYLE = `.reco{border:2px solid #2563eb;border-radius:8px;padding:10px 16px;background:#eff6ff}.reco h2{border:0;margin:4px 0}
.reco ol{margin:6px 0 6px 20px}.reco ol.ranks{list-style:none;padding-left:0}.reco .rank1{font-weight:700}.scorecard td.best{background:#ecfdf5;font-weight:600}.signs li{color:#92400e}
td.wrap{white-space:normal;max-width:260px}`;

/** The self-contained comparison report: recommendation, charts (inline SVG), scorecard, freshness, cost, loss curves. */
export function renderCompareHtml(result: CompareResult): string {
  const names = Object.keys(result.strategies);
  const color = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length]!;
  const title = `attune compare · ${result.scale.documents} documents · ${result.scale.questions} questions`;
  const r = result.recommendation;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}${EXTRA_STYLE}</style></head><body>
<header><h1>${escapeHtml(title)}</h1><p class="muted">corpus <code>${escapeHtml(result.corpus)}</code> · questions <code>${escapeHtml(result.questions.file)}</code> · ${result.scale.repeats} repeat(s) · accuracy = ${escapeHtml(result.metric)} · retrieval k=${result.scale.retrievalK} · ${escapeHtml(result.createdAt)}</p>
<p class="legend">${names.map((n) => `<span class="swatch" style="background:${color(n)}"></span>${escapeHtml(n)}`).join(' ')}</p></header>
<section class="reco"><h2>${r.verdict === 'inconclusive' ? 'Inconclusive: no strategy recommended' : `Recommendation: ${escapeHtml(r.recommended ?? 'none')}`}</h2><p>${escapeHtml(verdictText(r))}</p><ol class="ranks">${r.ranking.map((x) => `<li class="${x.rank === 1 ? 'rank1' : ''}"><b>${x.rank}.</b> ${escapeHtml(x.strategy)} <span class="muted">(${x.failed ? 'failed every question' : `${x.wins} pair(s) won`}${x.tiedWith.length ? `; tied with ${escapeHtml(x.tiedWith.join(', '))}: ${escapeHtml(x.tieReason)}` : ''})</span></li>`).join('')}</ol>
<ul>${r.rationale.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul><p class="muted">Tie-breaker: ${escapeHtml(r.tieBreaker)}.</p></section>
${result.signs.length ? `<section><h2>Signs to note</h2><ul class="signs">${result.signs.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul></section>` : ''}
<section><h2>Accuracy vs latency vs cost</h2><div class="row">${tradeoffCharts(result, color)}</div><p class="note">Each point is a strategy, whisker = 95% CI over questions. Cost is machine time × price for local models, so it tracks latency; training cost is separate (table below).</p></section>
<section><h2>Scorecard</h2>${scorecard(result)}</section>
${result.freshness ? `<section><h2>Freshness: after an update of ${result.freshness.changedDocuments} document(s), ${result.freshness.changedFacts} changed fact(s)</h2><div class="grid">${freshnessCharts(result, color)}</div>${freshnessTable(result)}${result.freshness.stalenessWindow ? `<p>${escapeHtml(stalenessLine(result.freshness.stalenessWindow))}</p>` : ''}</section>` : ''}
${
  result.retrievalTuning
    ? `<section><h2>rag-tuned: retrieval settings</h2>${retrievalTuningLines(result.retrievalTuning)
        .map((line) => `<p>${escapeHtml(line.trim())}</p>`)
        .join(
          '',
        )}<table><thead><tr><th>settings tried (best first)</th><th>dev ${escapeHtml(result.retrievalTuning.metric)}</th></tr></thead><tbody>${result.retrievalTuning.top.map((t) => `<tr><td>${escapeHtml(t.label)}</td><td>${t.ndcg.toFixed(3)}</td></tr>`).join('')}</tbody></table></section>`
    : ''
}
${readingDiagnosticsHtml(result.diagnostics)}
<section><h2>Cost, latency and resources</h2>${costTable(result)}<p class="note">Index ${formatBytes(result.resources.indexBytes)} on disk · peak process memory ${result.resources.peakRssMb} MB · break-even = training cost ÷ (rag's cost per query − the strategy's), when it is cheaper per query.</p></section>
${lossCurves(result, color)}
<section><h2>Pipeline</h2><table><thead><tr><th>step</th><th>seconds</th><th>reused</th><th>detail</th></tr></thead><tbody>${result.steps.map((s) => `<tr><td>${escapeHtml(s.step)}</td><td>${s.seconds.toFixed(1)}</td><td>${s.cached ? 'yes' : ''}</td><td class="wrap">${escapeHtml(s.detail)}</td></tr>`).join('')}</tbody></table>
${result.training ? `<p class="note">Training data: ${result.training.qaExamples} Q/A examples (${escapeHtml(result.training.source)}), ${result.training.raftExamples} RAFT examples; ${result.training.droppedForLeakage} generated example(s) dropped for overlapping held-out questions.</p>` : ''}
${result.warnings.length ? `<details><summary>${result.warnings.length} warning(s)</summary><ul>${result.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></details>` : ''}</section>
</body></html>
`;
}

function tradeoffCharts(result: CompareResult, color: (n: string) => string): string {
  const entries = Object.entries(result.strategies).filter(([, s]) => s.accuracy.mean !== null);
  if (entries.length === 0) return '<p class="muted">No answered questions.</p>';
  const point = (name: string, x: number, s: (typeof entries)[number][1]) => ({
    label: name,
    color: color(name),
    x,
    y: s.accuracy.mean!,
    yLow: s.accuracy.low ?? undefined,
    yHigh: s.accuracy.high ?? undefined,
  });
  const latency = entries
    .filter(([, s]) => s.timings.e2e.p50 !== null)
    .map(([n, s]) => point(n, s.timings.e2e.p50!, s));
  const cost = entries.filter(([, s]) => s.cost.per1000 !== null).map(([n, s]) => point(n, s.cost.per1000! * 1000, s));
  return (
    scatterChart(latency, {
      xLabel: 'median end-to-end latency (ms)',
      yLabel: `accuracy (${result.metric})`,
      yMax: 1,
      width: 480,
    }) +
    scatterChart(cost, {
      xLabel: 'cost per 1,000,000 queries (USD)',
      yLabel: `accuracy (${result.metric})`,
      yMax: 1,
      width: 480,
    })
  );
}

function scorecard(result: CompareResult): string {
  const ranking = result.recommendation.ranking;
  const considerations = CONSIDERATIONS.filter((c) => ranking.some((r) => r.evidence[c]));
  const counts = (x: (typeof result.recommendation.comparisons)[number]) => x.outcome === 'better';
  const winners = (c: string) =>
    new Set(result.recommendation.comparisons.filter((x) => x.consideration === c && counts(x)).map((x) => x.better));
  const losers = (c: string) =>
    new Set(result.recommendation.comparisons.filter((x) => x.consideration === c && counts(x)).map((x) => x.worse));
  const head = `<tr><th>rank</th><th>strategy</th>${considerations.map((c) => `<th>${c} <span class="muted">(${result.recommendation.priorities[c]})</span></th>`).join('')}</tr>`;
  const rows = ranking
    .map(
      (r) =>
        `<tr><td>${r.rank}</td><td><b>${escapeHtml(r.strategy)}</b></td>${considerations
          .map((c) => {
            const best = winners(c).has(r.strategy) && !losers(c).has(r.strategy);
            return `<td class="wrap${best ? ' best' : ''}">${escapeHtml(r.evidence[c] ?? '–')}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const comparisons = result.recommendation.comparisons;
  const sig = comparisons.filter(counts);
  const outcome = (c: (typeof comparisons)[number]) =>
    c.outcome === 'better'
      ? `${c.better} better than ${c.worse}${c.rule ? ' (freshness rule)' : ''}`
      : c.outcome === 'equivalent'
        ? `${c.better} ≈ ${c.worse}: equivalent within ±${c.margin.toFixed(3)}`
        : `${c.better} vs ${c.worse}: unresolved${c.questionsNeeded !== null ? ` (≈${c.questionsNeeded.toLocaleString('en-US')} questions at 80% power)` : ''}`;
  return `<table class="scorecard"><thead>${head}</thead><tbody>${rows}</tbody></table>
<p class="note">Green: better than at least one strategy and worse than none on that consideration. Tied ranks: the data cannot separate those strategies under these priorities.</p>
<details><summary>${sig.length} "better than" of ${comparisons.length} paired comparisons (${result.recommendation.tests} tests, Holm-adjusted)</summary><table><thead><tr><th>outcome</th><th>consideration</th><th>Δ [95% CI]</th><th>p</th><th>adjusted p</th><th>equivalence p (adjusted)</th><th>n</th></tr></thead><tbody>${comparisons.map((c) => `<tr class="${counts(c) ? 'sig' : 'nosig'}"><td class="wrap">${escapeHtml(outcome(c))}</td><td>${c.consideration}</td><td>${c.difference.toFixed(3)} [${c.low.toFixed(3)}, ${c.high.toFixed(3)}]</td><td>${c.p.toFixed(3)}</td><td>${c.pAdjusted.toFixed(3)}</td><td>${c.pEquivalenceAdjusted.toFixed(3)}</td><td>${c.n}</td></tr>`).join('')}</tbody></table></details>`;
}

function freshnessCharts(result: CompareResult, color: (n: string) => string): string {
  const entries = Object.entries(result.strategies).filter(([, s]) => s.freshness);
  const bars = (pick: (s: (typeof entries)[number][1]) => number | null) =>
    entries.map(([n, s]) => ({ label: n, color: color(n), value: pick(s) }));
  return [
    barChart(
      'new fact given: before update',
      bars((s) => s.freshness!.before.accuracy),
      { max: 1 },
    ),
    barChart(
      'new fact given: after update',
      bars((s) => s.freshness!.after.accuracy),
      { max: 1 },
    ),
    barChart(
      'stale (old fact): before',
      bars((s) => s.freshness!.before.staleness),
      { max: 1 },
    ),
    barChart(
      'stale (old fact): after update',
      bars((s) => s.freshness!.after.staleness),
      { max: 1 },
    ),
  ]
    .map((svg) => `<div class="card">${svg}</div>`)
    .join('');
}

function freshnessTable(result: CompareResult): string {
  const rows = Object.entries(result.strategies)
    .filter(([, s]) => s.freshness)
    .map(([n, s]) => {
      const f = s.freshness!;
      const counts = f.afterCounts ? `${f.afterCounts.given}/${f.afterCounts.n}` : '–';
      const stale = f.afterCounts ? `${f.afterCounts.stale}/${f.afterCounts.n}` : '–';
      return `<tr><td>${escapeHtml(n)}</td><td>${f.update}</td><td>${f.updateSeconds.toFixed(1)} s</td><td>${formatUsd(f.updateUsd)}</td><td>${counts}</td><td>${stale}</td></tr>`;
    })
    .join('');
  const facts = result
    .freshness!.facts.slice(0, 12)
    .map(
      (f) =>
        `<li><code>${escapeHtml(f.questionId)}</code> ${escapeHtml(f.oldAnswers.join(' | '))} → <b>${escapeHtml(f.newAnswers.join(' | '))}</b></li>`,
    )
    .join('');
  return `<table><thead><tr><th>strategy</th><th>to bring it up to date</th><th>time</th><th>cost</th><th>new facts given after</th><th>old fact after</th></tr></thead><tbody>${rows}</tbody></table><details><summary>changed facts</summary><ul>${facts}</ul></details>`;
}

function costTable(result: CompareResult): string {
  const head = [
    'strategy',
    'latency p50 / p95',
    'retrieve p50',
    'generate p50',
    'first token p50 / p95',
    'prompt tokens',
    'cost / 1k queries',
    'training',
    'break-even vs rag',
    'error rate (scored 0)',
  ];
  const rows = Object.entries(result.strategies).map(([n, s]) => [
    n,
    `${formatMs(s.timings.e2e.p50)} / ${formatMs(s.timings.e2e.p95)}`,
    formatMs(s.timings.retrieve.p50),
    formatMs(s.timings.generate.p50),
    `${formatMs(s.timings.firstToken.p50)} / ${formatMs(s.timings.firstToken.p95)}`,
    formatNumber(s.cost.promptTokensMean, 0),
    formatUsd(s.cost.per1000),
    s.cost.trainingSeconds === null ? '–' : `${s.cost.trainingSeconds.toFixed(0)} s · ${formatUsd(s.cost.trainingUsd)}`,
    s.cost.breakEvenQueries === null ? '–' : `${s.cost.breakEvenQueries.toLocaleString('en-US')} queries`,
    `${((s.metrics.errorRate ?? 0) * 100).toFixed(0)}% (${s.metrics.errors}/${s.metrics.rows})`,
  ]);
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>
<p class="note">Accuracy with CI per strategy: ${Object.entries(result.strategies)
    .map(([n, s]) => `${escapeHtml(n)} ${escapeHtml(formatEstimate(s.accuracy, 2))}`)
    .join(' · ')}</p>`;
}

function lossCurves(result: CompareResult, color: (n: string) => string): string {
  const curves = new Map<string, { label: string; color: string; points: LossPoint[] }>();
  for (const [name, s] of Object.entries(result.strategies))
    if (s.adapter && !curves.has(s.adapter.name))
      curves.set(s.adapter.name, {
        label: `${adapterKindOf(name) ?? name} adapter`,
        color: color(name),
        points: s.adapter.lossCurve,
      });
  if (curves.size === 0) return '';
  return `<section><h2>Training loss</h2><div class="row">${[...curves.values()].map((c) => lineChart(c.label, c.points, c.color)).join('')}</div><p class="note">Solid: training loss per logged step; dashed: validation loss.</p></section>`;
}

function lineChart(title: string, points: LossPoint[], color: string): string {
  const width = 420;
  const height = 220;
  const m = { left: 44, right: 12, top: 24, bottom: 30 };
  if (points.length === 0) return `<p class="muted">${escapeHtml(title)}: no loss logged</p>`;
  const values = points.flatMap((p) => [p.loss, p.val_loss].filter((v): v is number => typeof v === 'number'));
  const maxY = Math.max(...values) * 1.05;
  const maxX = Math.max(...points.map((p) => p.step), 1);
  const sx = (x: number) => m.left + (x / maxX) * (width - m.left - m.right);
  const sy = (y: number) => m.top + (1 - y / maxY) * (height - m.top - m.bottom);
  const path = (pick: (p: LossPoint) => number | undefined) =>
    points
      .filter((p) => typeof pick(p) === 'number')
      .map((p, i) => `${i ? 'L' : 'M'}${sx(p.step).toFixed(1)},${sy(pick(p)!).toFixed(1)}`)
      .join('');
  const ticks = [0, 0.5, 1]
    .map(
      (t) =>
        `<text x="${m.left - 4}" y="${sy(t * maxY) + 4}" text-anchor="end">${(t * maxY).toFixed(2)}</text><line x1="${m.left}" x2="${width - m.right}" y1="${sy(t * maxY)}" y2="${sy(t * maxY)}" class="grid"/>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" class="chart" role="img"><text x="0" y="14" class="chart-title">${escapeHtml(title)}</text>${ticks}
<path d="${path((p) => p.loss)}" fill="none" stroke="${color}" stroke-width="2"/><path d="${path((p) => p.val_loss)}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="5 4"/>
<text x="${(width + m.left) / 2}" y="${height - 6}" text-anchor="middle" class="axis-label">step (of ${maxX})</text></svg>`;
}
