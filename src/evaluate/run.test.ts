import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Strategy } from '../answer/strategy.ts';
import { parseQuestions } from '../dataset/questions.ts';
import { ProviderError } from '../errors.ts';
import { renderHtmlReport } from '../report/html.ts';
import { renderEvalTable } from '../report/table.ts';
import type { Answer, Hit } from '../types.ts';
import { diffRuns } from './diff.ts';
import { LOCAL_PRICES } from './metrics/cost.ts';
import { executeRun, loadRunReport, planNewRun, planResume } from './run.ts';
import { rowKey } from './row.ts';
import { listRuns, loadRun } from './runs.ts';

const DATA = [
  { id: 'q1', question: 'Where is the tower?', answers: ['Paris'], goldDocIds: ['tower.md'] },
  { id: 'q2', question: 'When was it built?', answers: ['1889'], goldDocIds: ['tower.md'] },
  { id: 'q3', question: 'Who owns the moon?', answers: [], answerable: false },
]
  .map((q) => JSON.stringify(q))
  .join('\n');

const hit = (docId: string, text: string, score: number): Hit => ({
  chunkId: `${docId}#0`,
  docId,
  source: docId,
  title: '',
  headingPath: [],
  page: null,
  text,
  labels: [],
  tags: [],
  score,
});

function answer(text: string, retrieved: Hit[] = [], abstained = false): Answer {
  return {
    answer: text,
    abstained,
    citations: [],
    retrieved,
    timings: { retrieveMs: 1, rerankMs: 0, generateMs: 5, firstTokenMs: 2, totalMs: 6 },
    usage: { promptTokens: 10, completionTokens: 3 },
  };
}

/** Strategies scripted per question: the harness must treat them as any other Strategy. */
const lookup: Strategy = {
  name: 'lookup',
  async answer(question) {
    const context = [hit('tower.md', 'The tower is in Paris, built in 1889.', 0.9), hit('other.md', 'Unrelated.', 0.2)];
    if (question.startsWith('Where')) return answer('Paris [1]', context);
    if (question.startsWith('When')) return answer('1889 [1].', context);
    return answer("I don't know", context, true);
  },
};
const guesser: Strategy = {
  name: 'guess',
  async answer() {
    return answer('London, probably');
  },
};
/** Failure injection: the endpoint fails on one question. */
function flaky(failOn: string): Strategy {
  return {
    name: 'flaky',
    async answer(question) {
      if (question.startsWith(failOn)) throw new ProviderError('endpoint timed out after 30 s');
      return answer('Paris');
    },
  };
}

const settings = {
  strategies: ['lookup', 'guess', 'flaky'],
  repeats: 2,
  baseSeed: 1,
  temperature: 0,
  maxTokens: 32,
  models: { generator: 'test' },
  adapters: {},
  prices: LOCAL_PRICES,
  config: {},
};

describe('evaluation runs', () => {
  it('scores, stores, records failures as rows, and renders JSON, table and HTML', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-eval-'));
    const set = { ...parseQuestions(DATA, 'q.jsonl'), hash: 'h' };
    const plan = await planNewRun(home, set, settings);
    const { report, stats } = await executeRun(home, plan, { strategies: [lookup, guesser, flaky('When')] });
    expect(stats.wallMs).toBeGreaterThanOrEqual(stats.harnessMs);
    const lookupMetrics = report.strategies.lookup!.metrics;
    expect(lookupMetrics.scores.exactMatch.mean).toBe(1);
    expect(lookupMetrics.scores.recallAtK.mean).toBe(1);
    expect(lookupMetrics.scores.abstentionRecall.mean).toBe(1);
    expect(lookupMetrics.scores.abstentionPrecision.mean).toBe(1);
    expect(lookupMetrics.scores.faithfulness.mean).toBe(1);
    expect(report.strategies.guess!.metrics.scores.f1.mean).toBe(0);
    expect(report.strategies.guess!.metrics.scores.faithfulness.mean).toBe(0);
    expect(report.strategies.guess!.metrics.scores.abstentionRecall.mean).toBe(0);
    const flakyMetrics = report.strategies.flaky!.metrics;
    expect(flakyMetrics.errors).toBe(2);
    // a failed answer scores 0: flaky answered q1 right (twice) and failed q2 (twice)
    expect(flakyMetrics.errorRate).toBeCloseTo(2 / 6, 10);
    expect(flakyMetrics.scores.exactMatch.mean).toBe(0.5);
    expect(report.comparisons.every((c) => c.pAdjusted >= c.p)).toBe(true);
    expect(flakyMetrics.errorKinds).toEqual({ ProviderError: 2 });
    expect(report.strategies.flaky!.items.find((i) => i.error)!.error!.message).toMatch(/timed out/);
    expect(lookupMetrics.latency.total.p50).toBe(6);
    expect(lookupMetrics.cost.per1000!).toBeCloseTo(1000 * (6 / 3_600_000) * 0.1, 12);
    expect(report.strategies.lookup!.items).toHaveLength(6);

    const table = renderEvalTable(report);
    expect(table).toMatch(/token F1 +1\.000/);
    expect(table).toMatch(/error rate \(scored 0\) +0\.0% \(0\/6\) +0\.0% \(0\/6\) +33\.3% \(2\/6\)/);
    const html = renderHtmlReport(report);
    expect(html).toContain('<svg');
    expect(html).toContain('Where is the tower?');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const { rows } = await loadRun(home, plan.meta.runId);
    expect(rows).toHaveLength(18);
    expect((await listRuns(home)).map((r) => [r.runId, r.status])).toEqual([[plan.meta.runId, 'complete']]);
  });

  it('resumes an interrupted run without repeating finished rows', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-eval-'));
    const set = { ...parseQuestions(DATA, 'q.jsonl'), hash: 'h' };
    const plan = await planNewRun(home, set, { ...settings, strategies: ['lookup', 'guess'], repeats: 1 });
    const abort = new AbortController();
    const calls: string[] = [];
    const counting = (inner: Strategy): Strategy => ({
      name: inner.name,
      answer: (q, o) => (calls.push(`${inner.name}:${q}`), inner.answer(q, o)),
    });
    await expect(
      executeRun(home, plan, {
        strategies: [counting(lookup), counting(guesser)],
        signal: abort.signal,
        onProgress: (done) => {
          if (done === 3) abort.abort(new Error('stop'));
        },
      }),
    ).rejects.toThrow('stop');
    expect(calls).toHaveLength(3);
    const resumed = await planResume(home, plan.meta.runId);
    expect(resumed.done).toHaveLength(3);
    expect(resumed.meta.status).toBe('running');
    calls.length = 0;
    const { report } = await executeRun(home, resumed, { strategies: [counting(lookup), counting(guesser)] });
    expect(calls).toHaveLength(3);
    expect(report.strategies.lookup!.items).toHaveLength(3);
    expect(report.comparisons.find((c) => c.metric === 'f1')!.verdict).toMatch(/^no significant difference|beats/);

    const again = await loadRunReport(home, plan.meta.runId);
    expect(diffRuns(again, again).find((r) => r.metric === 'f1')).toMatchObject({ strategy: 'lookup', delta: 0 });
    expect(await readFile(join(home, 'runs', plan.meta.runId, 'questions.jsonl'), 'utf8')).toContain('"q3"');
  });

  it('keeps every row when a kill cut the last line of rows.jsonl, and resumes the cut row', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-eval-'));
    const set = { ...parseQuestions(DATA, 'q.jsonl'), hash: 'h' };
    const plan = await planNewRun(home, set, { ...settings, strategies: ['lookup', 'guess'], repeats: 1 });
    const abort = new AbortController();
    await expect(
      executeRun(home, plan, {
        strategies: [lookup, guesser],
        signal: abort.signal,
        onProgress: (done) => {
          if (done === 2) abort.abort(new Error('stop'));
        },
      }),
    ).rejects.toThrow('stop');
    // the third row was being written when the process was killed: half of it reached the file
    const rows = join(home, 'runs', plan.meta.runId, 'rows.jsonl');
    await appendFile(rows, '{"strategy":"lookup","questionId":"q2","repeat":0,"answer":"18');
    const resumed = await planResume(home, plan.meta.runId);
    expect(resumed.done).toHaveLength(2);
    await executeRun(home, resumed, { strategies: [lookup, guesser] });
    const stored = (await loadRun(home, plan.meta.runId)).rows;
    expect(stored.map(rowKey).sort()).toEqual(
      ['q1', 'q2', 'q3']
        .flatMap((q) => ['lookup', 'guess'].map((s) => rowKey({ strategy: s, questionId: q, repeat: 0 })))
        .sort(),
    );
    expect((await loadRunReport(home, plan.meta.runId)).strategies.lookup!.metrics.scores.exactMatch.mean).toBe(1);
  });

  it('refuses to resume a run whose stored questions are not the ones it started with', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-eval-'));
    const set = { ...parseQuestions(DATA, 'q.jsonl'), hash: 'h' };
    const plan = await planNewRun(home, set, settings);
    const questions = join(home, 'runs', plan.meta.runId, 'questions.jsonl');
    const lines = (await readFile(questions, 'utf8')).split('\n');
    // killed while questions.jsonl was being written: one question of three
    await writeFile(questions, `${lines[0]}\n`);
    await expect(planResume(home, plan.meta.runId)).rejects.toThrow(
      /cannot be resumed: its questions\.jsonl holds 1 of the 3 questions it was started with \(2 missing\)/,
    );
    await writeFile(questions, '');
    await expect(planResume(home, plan.meta.runId)).rejects.toThrow(/holds 0 of the 3/);
    await writeFile(questions, [lines[1], lines[0], lines[2]].join('\n'));
    await expect(planResume(home, plan.meta.runId)).rejects.toThrow(/in another order or with others/);
    await writeFile(questions, lines.join('\n'));
    expect((await planResume(home, plan.meta.runId)).questions.map((q) => q.id)).toEqual(['q1', 'q2', 'q3']);
  });
});
