import { barChart, scatterChart, strategyColor } from '/charts.js';

// The Evaluations view: eval runs and comparisons, their charts, and a form to start a run.
const METRICS = [
  ['f1', 'token F1'], ['containment', 'containment'], ['exactMatch', 'exact match'], ['judgeCorrect', 'judge correct'],
  ['faithfulness', 'faithfulness'], ['recallAtK', 'recall@k'], ['mrr', 'MRR'], ['abstentionRecall', 'abstention recall'], ['falseAbstention', 'abstained on answerable'],
];
const path = (...parts) => parts.map(encodeURIComponent).join('/');
const ms = (v) => (v === null || v === undefined ? 'n/a' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);

// set by initEvaluations: the page's helpers
let $;
let api;
let showError;
let reportLink = null;

function card(node) {
  const wrapper = document.createElement('div');
  wrapper.className = 'chart';
  wrapper.append(node);
  return wrapper;
}

function jobText(job) {
  if (!job) return '';
  const p = job.progress ?? {};
  if (p.step) return `${p.index}/${p.steps} ${p.step}${p.total ? ` ${p.done ?? 0}/${p.total}` : ''}`;
  return p.total ? `${p.done}/${p.total} answers` : '';
}

function listRows(tbody, items, cells, onSelect) {
  tbody.replaceChildren();
  for (const item of items) {
    const row = tbody.insertRow();
    row.tabIndex = 0;
    row.className = 'selectable';
    for (const text of cells(item)) row.insertCell().textContent = text;
    row.addEventListener('click', () => onSelect(item));
    row.addEventListener('keydown', (event) => { if (event.key === 'Enter') onSelect(item); });
  }
}

async function loadEvaluations() {
  const runs = $('#eval-runs tbody');
  try {
    const { runs: list } = await api('/v1/eval/runs');
    $('#eval-note').textContent = list.length === 0 ? 'No runs yet: start one above, with `attune eval`, or POST /v1/eval/runs.' : `${list.length} run(s): select one for its charts.`;
    listRows(runs, [...list].reverse(), (r) => [r.runId, `${r.status}${r.job && r.status !== 'complete' ? ` ${jobText(r.job)}` : ''}`, r.collection ?? '–', r.strategies.join(', '), `${r.questions} × ${r.repeats}`], (r) => showRun(r.runId));
  } catch (error) {
    runs.replaceChildren();
    $('#eval-note').textContent = error.message;
  }
  const compares = $('#compare-results tbody');
  try {
    const { comparisons } = await api('/v1/eval/compare');
    $('#compare-note').textContent = comparisons.length === 0 ? 'No comparisons yet: run `attune compare` (without --out) or POST /v1/eval/compare.' : '';
    listRows(compares, [...comparisons].reverse(), (c) => [c.id, `${c.status}${c.job && c.status !== 'complete' ? ` ${jobText(c.job)}` : ''}`, c.strategies.join(', '), c.recommended ?? '–'], (c) => showCompare(c.id));
  } catch (error) {
    compares.replaceChildren();
    $('#compare-note').textContent = error.message === 'forbidden' ? 'Comparisons need a key for every collection.' : error.message;
  }
}

function showDetail(title, meta, link) {
  $('#eval-detail').hidden = false;
  $('#detail-title').textContent = title;
  $('#detail-meta').textContent = meta;
  $('#detail-recommendation').replaceChildren();
  $('#detail-charts').replaceChildren();
  reportLink = link;
  $('#open-report').hidden = !link;
}

function runCharts(report) {
  const names = Object.keys(report.strategies);
  const color = (name) => strategyColor(name, names.indexOf(name));
  const charts = [];
  const points = names.flatMap((name) => {
    const { metrics } = report.strategies[name];
    const f1 = metrics.scores.f1;
    return f1.mean === null || metrics.latency.total.p50 === null ? [] : [{ label: name, color: color(name), x: metrics.latency.total.p50, y: f1.mean, yLow: f1.low, yHigh: f1.high }];
  });
  if (points.length) charts.push(scatterChart('Accuracy vs latency', points, { xLabel: 'median latency (ms)', yLabel: 'token F1', yMax: 1 }));
  for (const [key, label] of METRICS) {
    const rows = names.map((name) => ({ label: name, color: color(name), value: report.strategies[name].metrics.scores[key].mean, low: report.strategies[name].metrics.scores[key].low, high: report.strategies[name].metrics.scores[key].high }));
    if (rows.some((row) => row.value !== null)) charts.push(barChart(`${label} (95% CI)`, rows, { max: 1 }));
  }
  const latency = names.flatMap((name) => ['p50', 'p95'].map((q) => ({ label: `${name} ${q}`, color: color(name), value: report.strategies[name].metrics.latency.total[q] })));
  if (latency.some((row) => row.value !== null)) charts.push(barChart('End-to-end latency', latency, { format: ms }));
  return charts;
}

async function showRun(runId) {
  try {
    const [run, report] = await Promise.all([api(`/v1/eval/runs/${path(runId)}`), api(`/v1/eval/runs/${path(runId)}/results`)]);
    const meta = `${run.status} · ${run.progress.done}/${run.progress.total} answers · ${run.questions} questions × ${run.strategies.join(', ')} × ${run.repeats} · ${run.collection ? `collection ${run.collection} · ` : ''}generator ${run.models.generator} · ${run.createdAt.slice(0, 19).replace('T', ' ')}`;
    showDetail(`Run ${runId}`, meta, `/v1/eval/runs/${path(runId)}/report-link`);
    $('#detail-charts').replaceChildren(...runCharts(report).map(card));
    if (!report.comparisons.length) return;
    const list = document.createElement('ul');
    list.className = 'verdicts';
    for (const c of report.comparisons) {
      const item = document.createElement('li');
      item.textContent = c.verdict;
      item.className = c.significant ? 'significant' : 'muted';
      list.append(item);
    }
    $('#detail-recommendation').append(list);
  } catch (error) {
    showDetail(`Run ${runId}`, error.message, null);
  }
}

function compareCharts(result) {
  const names = Object.keys(result.strategies);
  const color = (name) => strategyColor(name, names.indexOf(name));
  const scored = names.filter((name) => result.strategies[name].accuracy.mean !== null);
  const point = (name, x, size) => {
    const s = result.strategies[name];
    return { label: name, color: color(name), x, y: s.accuracy.mean, yLow: s.accuracy.low, yHigh: s.accuracy.high, size };
  };
  const charts = [];
  const timed = scored.filter((name) => result.strategies[name].timings.e2e.p50 !== null);
  if (timed.length) {
    charts.push(scatterChart('Accuracy vs latency vs cost', timed.map((name) => point(name, result.strategies[name].timings.e2e.p50, result.strategies[name].cost.per1000 ?? 0)),
      { xLabel: 'median latency (ms)', yLabel: `accuracy (${result.metric})`, sizeLabel: 'USD per 1k queries', yMax: 1 }));
  }
  const costed = scored.filter((name) => result.strategies[name].cost.per1000 !== null);
  if (costed.length) charts.push(scatterChart('Accuracy vs cost', costed.map((name) => point(name, result.strategies[name].cost.per1000)), { xLabel: 'USD per 1k queries', yLabel: `accuracy (${result.metric})`, yMax: 1, xFormat: (v) => v.toFixed(3) }));
  charts.push(barChart(`Accuracy: ${result.metric} (95% CI)`, names.map((name) => ({ label: name, color: color(name), value: result.strategies[name].accuracy.mean, low: result.strategies[name].accuracy.low, high: result.strategies[name].accuracy.high })), { max: 1 }));
  charts.push(barChart('Latency p50', names.map((name) => ({ label: name, color: color(name), value: result.strategies[name].timings.e2e.p50 })), { format: ms }));
  return charts;
}

function recommendation(result) {
  const r = result.recommendation;
  const box = document.createElement('div');
  box.className = 'recommendation';
  const title = document.createElement('h3');
  title.textContent = r.verdict === 'inconclusive' ? 'Inconclusive: no strategy recommended' : `Recommendation: ${r.recommended ?? 'none'}`;
  const ranking = document.createElement('ul');
  for (const entry of r.ranking) {
    const item = document.createElement('li');
    // tied strategies share a rank (older results have no tieReason)
    item.textContent = `${entry.rank ?? ''}. ${entry.strategy} (${entry.failed ? 'failed every question' : `${entry.wins} pairwise win(s)`}${entry.tiedWith.length ? `, tied with ${entry.tiedWith.join(', ')}${entry.tieReason ? `: ${entry.tieReason}` : ''}` : ''})`;
    ranking.append(item);
  }
  const rationale = document.createElement('ul');
  for (const line of r.rationale) {
    const item = document.createElement('li');
    item.textContent = line;
    rationale.append(item);
  }
  box.append(title, ranking, rationale);
  return box;
}

async function showCompare(id) {
  try {
    const comparison = await api(`/v1/eval/compare/${path(id)}`);
    const result = comparison.result;
    if (!result) {
      showDetail(`Comparison ${id}`, `${comparison.status} ${jobText(comparison.job)}`, null);
      return;
    }
    const meta = `${result.scale.documents} documents · ${result.scale.questions} questions × ${result.scale.repeats} · priorities ${Object.entries(result.recommendation.priorities).map(([k, v]) => `${k}=${v}`).join(', ')} · ${result.createdAt.slice(0, 19).replace('T', ' ')}`;
    showDetail(`Comparison ${id}`, meta, `/v1/eval/compare/${path(id)}/report-link`);
    $('#detail-recommendation').append(recommendation(result));
    $('#detail-charts').replaceChildren(...compareCharts(result).map(card));
  } catch (error) {
    showDetail(`Comparison ${id}`, error.message, null);
  }
}

/** The textarea's JSONL as question objects; a line that is not JSON is named. */
function questionLines(text) {
  return text.split('\n').map((line, i) => [line.trim(), i + 1]).filter(([line]) => line).map(([line, n]) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`questions line ${n}: not valid JSON`);
    }
  });
}

async function followJob(job, onUpdate) {
  while (job.status === 'queued' || job.status === 'running') {
    onUpdate(job);
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api(`/v1/jobs/${job.id}`);
  }
  return job;
}

/** Wires the view to the page (its `$`, `api` and `showError`); returns what the navigation calls. */
export function initEvaluations(helpers) {
  ({ $, api, showError } = helpers);
  $('#open-report').addEventListener('click', async () => {
    try {
      const { url } = await api(reportLink, { method: 'POST' });
      // the report is sandboxed by its own CSP; noopener keeps it from this window as well
      window.open(url, '_blank', 'noopener');
    } catch (error) {
      $('#detail-meta').textContent = error.message;
    }
  });

  $('#eval-questions-file').addEventListener('change', async (event) => {
    const [file] = event.target.files;
    if (file) $('#eval-questions').value = await file.text();
  });

  $('#eval-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const progress = $('#eval-progress');
    const text = $('#eval-progress-text');
    const number = (selector) => ($(selector).value ? Number($(selector).value) : undefined);
    try {
      showError($('#eval-error'), null);
      const strategies = [...document.querySelectorAll('#eval-strategies input:checked')].map((input) => input.value);
      const body = {
        collection: $('#eval-collection').value || undefined,
        strategies,
        questions: questionLines($('#eval-questions').value),
        adapter: $('#eval-adapter').value || undefined,
        limit: number('#eval-limit'),
        repeats: number('#eval-repeats'),
        maxTokens: number('#eval-max-tokens'),
        judge: $('#eval-judge').checked || undefined,
      };
      const { runId, job: started } = await api('/v1/eval/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      progress.hidden = false;
      await loadEvaluations();
      const job = await followJob(started, (j) => {
        const p = j.progress ?? {};
        progress.max = p.total || 1;
        progress.value = p.total ? p.done : 0;
        text.textContent = `run ${runId} ${j.status}${p.total ? `: ${p.done}/${p.total} answers` : ''}`;
      });
      progress.value = progress.max;
      text.textContent = job.status === 'done' ? `run ${runId} complete` : `run ${runId} failed: ${job.error}`;
      await loadEvaluations();
      await showRun(runId);
    } catch (error) {
      showError($('#eval-error'), error);
    }
  });
  return { loadEvaluations };
}
