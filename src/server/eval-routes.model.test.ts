import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import type { EvalReport } from '../evaluate/eval-report.ts';
import { createKey } from './keys.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { startServer, type RunningServer } from './serve.ts';
import { apiHelpers, form, INJECTION_DOC, PUBLIC_DOC, TEST_CONFIG } from './test-fixtures.ts';

// A real evaluation over HTTP: a 2-document collection, 2 questions, base and rag on the real models.
const QUESTIONS = [
  {
    id: 'holiday',
    question: 'How many days of paid holiday does an employee of the Lantern Guild get?',
    answers: ['twenty-eight'],
    goldDocIds: ['holidays.md'],
  },
  { id: 'parking', question: 'Is parking at the Lantern Guild free?', answers: ['free'], goldDocIds: ['notice.md'] },
];

describe('eval runs over HTTP (real models)', () => {
  let home: string;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const { call, waitForJob } = apiHelpers(() => server.url);
  const post = (path: string, key: string | undefined, body: unknown) =>
    call(path, key, { method: 'POST', body: JSON.stringify(body) });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'attune-eval-http-'));
    keys.admin = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
    keys.reader = createKey(home, { collections: ['handbook'], ops: ['read'], labels: undefined }).key;
    keys.otherReader = createKey(home, { collections: ['other'], ops: ['read'], labels: undefined }).key;
    server = await startServer({
      resources: createRuntime({ config: parseConfig(TEST_CONFIG), home }),
      auth: true,
      host: '127.0.0.1',
      port: 0,
    });
    expect((await post('/v1/collections', keys.admin, { name: 'handbook' })).status).toBe(201);
    const upload = await call('/v1/collections/handbook/documents', keys.admin, {
      method: 'POST',
      body: form([PUBLIC_DOC, INJECTION_DOC]),
    });
    expect(upload.status).toBe(202);
    expect((await waitForJob((await upload.json()).id, keys.admin)).status).toBe('done');
  });

  afterAll(async () => {
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('starts a run in the background (202), reports progress, and serves results and the HTML report', async () => {
    const body = { collection: 'handbook', strategies: ['base', 'rag'], questions: QUESTIONS, maxTokens: 24 };
    expect((await post('/v1/eval/runs', undefined, body)).status).toBe(401);
    expect((await post('/v1/eval/runs', keys.reader, body)).status).toBe(403);
    const started = await post('/v1/eval/runs', keys.admin, body);
    expect(started.status).toBe(202);
    const { runId, jobId } = await started.json();
    expect(runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);

    // one model job at a time; chat is still answered while the run goes on (the two share the model queue)
    expect((await post('/v1/eval/runs', keys.admin, body)).status).toBe(429);
    const chat = await post('/v1/chat/completions', keys.reader, {
      model: 'attune/base',
      max_tokens: 4,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(chat.status).toBe(200);
    const listed = (await (await call('/v1/eval/runs', keys.reader)).json()).runs;
    expect(listed.map((r: { runId: string }) => r.runId)).toEqual([runId]);

    const job = await waitForJob(jobId, keys.admin);
    expect(job).toMatchObject({
      kind: 'eval',
      runId,
      status: 'done',
      progress: { done: 4, total: 4 },
      result: { runId, rows: 4 },
    });
    const run = await (await call(`/v1/eval/runs/${runId}`, keys.reader)).json();
    expect(run).toMatchObject({
      status: 'complete',
      collection: 'handbook',
      strategies: ['base', 'rag'],
      questions: 2,
      progress: { done: 4, total: 4 },
    });

    const report = (await (await call(`/v1/eval/runs/${runId}/results`, keys.reader)).json()) as EvalReport;
    const rag = report.strategies.rag!;
    expect(report.strategies.base!.items).toHaveLength(2);
    expect(rag.metrics.errors).toBe(0);
    expect(rag.items.every((item) => item.retrieved!.length > 0)).toBe(true);
    expect(rag.metrics.scores.recallAtK.mean!).toBeGreaterThan(0);
    expect(rag.metrics.latency.total.p50!).toBeGreaterThan(0);
    expect(report.run.models.generator).not.toBe('');

    const page = await call(`/v1/eval/runs/${runId}/report`, keys.reader);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<svg');
    expect(html).toContain(QUESTIONS[0]!.question);

    // outside the key's collections: neither listed nor readable
    expect((await (await call('/v1/eval/runs', keys.otherReader)).json()).runs).toEqual([]);
    for (const suffix of ['', '/results', '/report'])
      expect((await call(`/v1/eval/runs/${runId}${suffix}`, keys.otherReader)).status).toBe(404);
  });
});
