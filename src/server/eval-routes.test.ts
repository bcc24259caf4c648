import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Strategy } from '../answer/strategy.ts';
import { parseConfig } from '../config/config.ts';
import { inlineQuestionSet } from '../dataset/questions.ts';
import { executeRun, planNewRun } from '../evaluate/run.ts';
import { newRunSettings } from '../evaluate/run-settings.ts';
import type { Answer } from '../types.ts';
import { createApp, type AttuneApp } from './app.ts';
import { MODEL_LANE } from './jobs.ts';
import { createKey } from './keys.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { writeCompareFixture } from './test-fixtures.ts';

// The eval and compare routes over stored runs and results (no models: scripted answers and a stored comparison).
const QUESTIONS = [
  { id: 'q1', question: 'Where is the tower?', answers: ['Paris'] },
  { id: 'q2', question: 'When was it built?', answers: ['1889'] },
];
const scripted = (name: string, text: string): Strategy => ({
  name,
  async answer(): Promise<Answer> {
    return {
      answer: text,
      abstained: false,
      citations: [],
      retrieved: [],
      timings: { retrieveMs: 1, rerankMs: 0, generateMs: 5, firstTokenMs: 2, totalMs: 6 },
      usage: { promptTokens: 10, completionTokens: 3 },
    };
  },
});

describe('eval and compare routes (stored runs, no models)', () => {
  let home: string;
  let attune: AttuneApp;
  const keys: Record<string, string> = {};
  const runs: Record<string, string> = {};
  const call = (path: string, key: string | undefined, init: RequestInit = {}) =>
    attune.app.request(path, {
      ...init,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });
  const post = (path: string, key: string | undefined, body: unknown) =>
    call(path, key, { method: 'POST', body: JSON.stringify(body) });

  async function storedRun(collection: string, accessLabels?: string[]): Promise<string> {
    const settings = newRunSettings(parseConfig({}), { strategies: ['base', 'rag'], collection });
    const plan = await planNewRun(home, inlineQuestionSet(QUESTIONS, 'inline'), { ...settings, accessLabels });
    await executeRun(home, plan, { strategies: [scripted('base', 'London'), scripted('rag', 'Paris')] });
    return plan.meta.runId;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'attune-eval-routes-'));
    keys.admin = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
    keys.handbookAdmin = createKey(home, { collections: ['handbook'], ops: ['admin'], labels: undefined }).key;
    keys.reader = createKey(home, { collections: ['handbook'], ops: ['read'], labels: [] }).key;
    keys.allLabels = createKey(home, { collections: ['handbook'], ops: ['read'], labels: undefined }).key;
    keys.everywhere = createKey(home, { collections: ['*'], ops: ['read'], labels: undefined }).key;
    runs.cli = await storedRun('handbook'); // as `attune eval` records it: retrieval saw every label
    runs.other = await storedRun('other');
    runs.unlabelled = await storedRun('handbook', []); // started over HTTP by a key that sees only unlabelled chunks
    await writeCompareFixture(home, 'cmp-done');
    mkdirSync(join(home, 'compare', 'cmp-unfinished'), { recursive: true });
    mkdirSync(join(home, 'data', 'corpus'), { recursive: true });
    writeFileSync(join(home, 'data', 'corpus', 'a.md'), '# A\n');
    symlinkSync(join(home, 'keys.json'), join(home, 'data', 'escape.jsonl'));
    attune = createApp({ resources: createRuntime({ config: parseConfig({}), home }), auth: true });
  });

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('401 without a key, 403 for starting runs without admin or outside the collections', async () => {
    for (const path of ['/v1/eval/runs', `/v1/eval/runs/${runs.cli}/results`, '/v1/eval/compare']) {
      const response = await call(path, undefined);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: { message: 'unauthorized', type: 'authentication_error' } });
    }
    const body = { collection: 'handbook', strategies: ['base', 'rag'], questions: QUESTIONS };
    const refused = [
      await post('/v1/eval/runs', keys.reader, body),
      await post('/v1/eval/runs', keys.handbookAdmin, { ...body, collection: 'other' }),
      await post('/v1/eval/compare', keys.reader, { corpus: 'corpus', questions: 'q.jsonl' }),
      await post('/v1/eval/compare', keys.handbookAdmin, { corpus: 'corpus', questions: 'q.jsonl' }),
      await call('/v1/eval/compare', keys.allLabels),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: { message: 'forbidden', type: 'permission_error' } });
    }
  });

  it('lists and opens only the runs a key may see: its collections, and the labels the run retrieved with', async () => {
    const listed = async (key: string) =>
      ((await (await call('/v1/eval/runs', key)).json()).runs as { runId: string }[]).map((r) => r.runId).sort();
    expect(await listed(keys.admin)).toEqual([runs.cli, runs.other, runs.unlabelled].sort());
    expect(await listed(keys.allLabels)).toEqual([runs.cli, runs.unlabelled].sort());
    expect(await listed(keys.reader)).toEqual([runs.unlabelled]);
    for (const suffix of ['', '/results', '/report']) {
      expect((await call(`/v1/eval/runs/${runs.other}${suffix}`, keys.allLabels)).status).toBe(404);
      expect((await call(`/v1/eval/runs/${runs.cli}${suffix}`, keys.reader)).status).toBe(404);
    }
    expect((await call('/v1/eval/runs/no-such-run', keys.admin)).status).toBe(404);
    expect((await call('/v1/eval/runs/bad%20id', keys.admin)).status).toBe(400);
  });

  it('serves a run: status, results JSON, and the HTML report sandboxed with its script hashed', async () => {
    const run = await (await call(`/v1/eval/runs/${runs.cli}`, keys.allLabels)).json();
    expect(run).toMatchObject({
      runId: runs.cli,
      status: 'complete',
      collection: 'handbook',
      strategies: ['base', 'rag'],
      questions: 2,
      progress: { done: 4, total: 4 },
      job: null,
    });
    const results = await (await call(`/v1/eval/runs/${runs.cli}/results`, keys.allLabels)).json();
    expect(results.strategies.rag.metrics.scores.exactMatch.mean).toBe(0.5);
    expect(results.strategies.base.items).toHaveLength(2);
    const report = await call(`/v1/eval/runs/${runs.cli}/report`, keys.allLabels);
    expect(report.headers.get('content-type')).toMatch(/^text\/html/);
    expect(report.headers.get('content-security-policy')).toMatch(
      /^sandbox allow-scripts; default-src 'none'.*script-src 'sha256-[A-Za-z0-9+/=]+'/,
    );
    const html = await report.text();
    expect(html).toContain('<svg');
    expect(html).toContain('Where is the tower?');
  });

  it('a report link opens the report without the key, and only while it is valid', async () => {
    const link = await (await post(`/v1/eval/runs/${runs.unlabelled}/report-link`, keys.reader, {})).json();
    expect(link.url).toMatch(/^\/reports\/[A-Za-z0-9_-]{43}$/);
    const page = await attune.app.request(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`attune eval · ${runs.unlabelled}`);
    expect((await attune.app.request('/reports/not-a-link')).status).toBe(404);
    expect((await post(`/v1/eval/runs/${runs.other}/report-link`, keys.reader, {})).status).toBe(404);
  });

  it('validates a new run with one-line 400s naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { strategies: ['base'], questions: [{ id: 'q', question: 'x', answers: 'no' }] },
        /^field "questions\.0\.answers"/,
      ],
      [{ strategies: ['rag'], questions: QUESTIONS }, /^field "collection": strategy rag needs a collection/],
      [{ strategies: ['base', 'ft'], questions: QUESTIONS }, /^field "adapters\.ft"/],
      [{ strategies: ['base', 'base'], questions: QUESTIONS }, /^field "strategies": a strategy is named twice/],
      [
        { strategies: ['base'], questions: [QUESTIONS[0], QUESTIONS[0]] },
        /^field "questions": question ids must be unique/,
      ],
      [{ strategies: ['gpt'], questions: QUESTIONS }, /^field "strategies\.0"/],
    ];
    for (const [body, message] of cases) {
      const response = await post('/v1/eval/runs', keys.admin, body);
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toMatch(message);
    }
    const schemas = await (await attune.app.request('/v1/schemas')).json();
    expect(schemas.EvalStartRequest.properties.questions.items.required).toEqual(['id', 'question', 'answers']);
    expect(Object.keys(schemas.CompareStartRequest.properties)).toContain('corpus');
  });

  it('refuses a second model job with 429 while one is running', async () => {
    let release!: () => void;
    attune.jobs.start(
      { kind: 'eval', keyId: 'test' },
      MODEL_LANE,
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const response = await post('/v1/eval/runs', keys.admin, { strategies: ['base'], questions: QUESTIONS });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await post('/v1/eval/compare', keys.admin, { corpus: 'corpus', questions: 'corpus/a.md' })).status).toBe(
      429,
    );
    release();
    await attune.jobs.idle();
  });

  it('lists and serves stored comparisons to keys for every collection', async () => {
    const { comparisons } = await (await call('/v1/eval/compare', keys.everywhere)).json();
    expect(comparisons.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ['cmp-done', 'complete'],
      ['cmp-unfinished', 'incomplete'],
    ]);
    expect(comparisons[0]).toMatchObject({ strategies: ['base', 'rag'], recommended: 'rag', questions: 8 });
    const done = await (await call('/v1/eval/compare/cmp-done', keys.everywhere)).json();
    expect(done.result.recommendation.ranking.map((r: { strategy: string }) => r.strategy)).toEqual(['rag', 'base']);
    expect(done.result.strategies.rag.accuracy.mean).toBe(7 / 8);
    const report = await call('/v1/eval/compare/cmp-done/report', keys.everywhere);
    expect(report.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(await report.text()).toContain('Recommendation: rag');
    const link = await (await post('/v1/eval/compare/cmp-done/report-link', keys.everywhere, {})).json();
    expect(await (await attune.app.request(link.url)).text()).toContain('Accuracy vs latency vs cost');
    expect((await call('/v1/eval/compare/cmp-unfinished', keys.everywhere)).status).toBe(200);
    expect((await call('/v1/eval/compare/cmp-unfinished/report', keys.everywhere)).status).toBe(404);
    expect((await call('/v1/eval/compare/missing', keys.everywhere)).status).toBe(404);
    expect((await call('/v1/eval/compare/.hidden', keys.everywhere)).status).toBe(400);
  });

  it('refuses comparison paths outside the data roots, before anything runs', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ corpus: '/etc', questions: 'corpus/a.md' }, /^field "corpus": must name a file or folder inside a data root/],
      [{ corpus: '../keys.json', questions: 'corpus/a.md' }, /^field "corpus": must name/],
      [{ corpus: 'corpus', questions: join(home, 'keys.json') }, /^field "questions": must name/],
      [{ corpus: 'corpus', questions: 'escape.jsonl' }, /^field "questions": must name/], // a symlink out of the root
      [{ corpus: 'corpus', questions: 'missing.jsonl' }, /^field "questions": "missing.jsonl" does not exist/],
      [{ corpus: 'corpus', questions: 'corpus/a.md', update: '/tmp' }, /^field "update": must name/],
    ];
    for (const [body, message] of cases) {
      const response = await post('/v1/eval/compare', keys.admin, body);
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toMatch(message);
    }
    const { comparisons } = await (await call('/v1/eval/compare', keys.admin)).json();
    expect(comparisons).toHaveLength(2);
  });
});
