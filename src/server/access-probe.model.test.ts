import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { createKey, type CreateKeyOptions } from './keys.ts';
import { createRuntime } from '../runtime/runtime.ts';
import {
  form,
  HR_DOC,
  HR_SECRET,
  OTHER_DOC,
  OTHER_SECRET,
  PUBLIC_DOC,
  TEST_CONFIG,
  writeCompareFixture,
} from './test-fixtures.ts';

/**
 * The access probe: every route, called with keys of each scope and label set; no response may carry a
 * marker of something outside the key's scope (chunk text, document id, server path, adapter, run, comparison).
 * Real embedder and generator (chat answers 2 tokens); adapters are registered folders that are never loaded.
 */
const EXEC_SECRET = 'obsidianfox-merger-plan-13';
const EXEC_DOC = {
  name: 'merger.md',
  text: `# Merger\n\nThe board's secret merger plan is ${EXEC_SECRET}, known to hr and exec only.\n`,
};
const ADAPTERS = {
  hr: 'hr-tuned-adapter',
  other: 'other-tuned-adapter',
  unscoped: 'unscoped-tuned-adapter',
  open: 'open-tuned-adapter',
};
const COMPARE_ID = 'cmp-probe-secret';

interface ProbeKey {
  scope: CreateKeyOptions;
  /** Markers this key must never receive. */
  forbidden: (markers: Markers) => string[];
}
interface Markers {
  hrRun: string;
  otherRun: string;
  adapterRun: string;
  home: string;
}

const hrOnly = [HR_SECRET, HR_DOC.name, EXEC_SECRET, EXEC_DOC.name, ADAPTERS.hr];
const otherOnly = [OTHER_SECRET, OTHER_DOC.name, ADAPTERS.other];
const everythingOnly = [ADAPTERS.unscoped, COMPARE_ID];
const KEYS: Record<string, ProbeKey> = {
  reader: {
    scope: { collections: ['handbook'], ops: ['read'], labels: [] },
    forbidden: (m) => [...hrOnly, ...otherOnly, ...everythingOnly, m.hrRun, m.otherRun, m.adapterRun, m.home],
  },
  // a chunk is visible when it shares one label with the key: the hr+exec document is visible to hr
  hrReader: {
    scope: { collections: ['handbook'], ops: ['read'], labels: ['hr'] },
    forbidden: (m) => [...otherOnly, ...everythingOnly, m.otherRun, m.home],
  },
  ingester: {
    scope: { collections: ['handbook'], ops: ['ingest'], labels: [] },
    forbidden: (m) => [...hrOnly, ...otherOnly, ...everythingOnly, m.hrRun, m.otherRun, m.adapterRun, m.home],
  },
  otherReader: {
    scope: { collections: ['other'], ops: ['read'], labels: undefined },
    forbidden: (m) => [...hrOnly, PUBLIC_DOC.name, ...everythingOnly, m.hrRun, m.adapterRun, m.home],
  },
  everywhereUnlabelled: {
    scope: { collections: ['*'], ops: ['read', 'ingest'], labels: [] },
    forbidden: (m) => [...hrOnly, ...everythingOnly, m.hrRun, m.adapterRun, m.home],
  },
};

const scripted = (name: string): Strategy => ({
  name,
  async answer(): Promise<Answer> {
    return {
      answer: 'Paris',
      abstained: false,
      citations: [],
      retrieved: [],
      timings: { retrieveMs: 1, rerankMs: 0, generateMs: 5, firstTokenMs: 2, totalMs: 6 },
      usage: { promptTokens: 10, completionTokens: 1 },
    };
  },
});

describe('access probe: every route × keys of each scope and label set', () => {
  let home: string;
  let attune: AttuneApp;
  const secrets: Record<string, string> = {};
  const markers = {} as Markers;
  let chunkIds: { collection: string; chunkId: string }[] = [];
  let jobIds: string[] = [];
  const call = (path: string, key: string, init: RequestInit = {}) =>
    attune.app.request(path, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        ...(typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
      },
    });

  function registerAdapter(name: string, scope?: { collections: string[]; labels: string[] }) {
    const dir = join(home, 'adapters', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'adapter.gguf'), '');
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ name, ...(scope ? { scope } : {}) }));
  }

  async function storedRun(
    collection: string,
    options: { accessLabels?: string[]; adapter?: string },
  ): Promise<string> {
    const strategies = options.adapter ? ['base', 'ft'] : ['base', 'rag'];
    const settings = newRunSettings(parseConfig({}), {
      strategies,
      collection,
      adapters: options.adapter ? { ft: options.adapter } : undefined,
    });
    const plan = await planNewRun(
      home,
      inlineQuestionSet([{ id: 'q1', question: 'Where?', answers: ['Paris'] }], 'inline'),
      { ...settings, accessLabels: options.accessLabels },
    );
    await executeRun(home, plan, { strategies: strategies.map(scripted) });
    return plan.meta.runId;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'attune-probe-'));
    markers.home = home;
    secrets.admin = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
    for (const [name, key] of Object.entries(KEYS)) secrets[name] = createKey(home, key.scope).key;
    attune = createApp({ resources: createRuntime({ config: parseConfig(TEST_CONFIG), home }), auth: true });
    for (const name of ['handbook', 'other'])
      expect(
        (await call('/v1/collections', secrets.admin!, { method: 'POST', body: JSON.stringify({ name }) })).status,
      ).toBe(201);
    const uploads = [
      await call('/v1/collections/handbook/documents', secrets.admin!, { method: 'POST', body: form([PUBLIC_DOC]) }),
      await call('/v1/collections/handbook/documents', secrets.admin!, {
        method: 'POST',
        body: form([HR_DOC], { labels: 'hr' }),
      }),
      await call('/v1/collections/handbook/documents', secrets.admin!, {
        method: 'POST',
        body: form([EXEC_DOC], { labels: 'hr,exec' }),
      }),
      await call('/v1/collections/other/documents', secrets.admin!, { method: 'POST', body: form([OTHER_DOC]) }),
    ];
    jobIds = await Promise.all(uploads.map(async (response) => (await response.json()).id));
    await attune.jobs.idle();
    for (const id of jobIds) expect(attune.jobs.get(id)?.status).toBe('done');
    for (const collection of ['handbook', 'other']) {
      const hits = (
        await (
          await call(`/v1/collections/${collection}/search`, secrets.admin!, {
            method: 'POST',
            body: JSON.stringify({ query: 'salary merger launch holiday code', k: 20 }),
          })
        ).json()
      ).hits;
      chunkIds.push(...hits.map((hit: { chunkId: string }) => ({ collection, chunkId: hit.chunkId })));
    }
    registerAdapter(ADAPTERS.hr, { collections: ['handbook'], labels: ['hr'] });
    registerAdapter(ADAPTERS.other, { collections: ['other'], labels: [] });
    registerAdapter(ADAPTERS.open, { collections: ['handbook'], labels: [] });
    registerAdapter(ADAPTERS.unscoped);
    markers.hrRun = await storedRun('handbook', { accessLabels: ['hr'] });
    markers.otherRun = await storedRun('other', {});
    markers.adapterRun = await storedRun('handbook', { accessLabels: [], adapter: ADAPTERS.hr });
    await writeCompareFixture(home, COMPARE_ID);
  }, 300_000);

  afterAll(async () => {
    await attune?.jobs.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Every route a key can call, as [label, request]; destructive calls target documents the key may not manage. */
  function probes(key: string): [string, () => Promise<Response>][] {
    const get = (path: string) => [`GET ${path}`, async () => call(path, key)] as [string, () => Promise<Response>];
    const post = (path: string, body: unknown) =>
      [`POST ${path}`, async () => call(path, key, { method: 'POST', body: JSON.stringify(body) })] as [
        string,
        () => Promise<Response>,
      ];
    const list: [string, () => Promise<Response>][] = [
      get('/v1/collections'),
      get('/v1/models'),
      get('/v1/adapters'),
      get('/v1/eval/runs'),
      get('/v1/eval/compare'),
      get(`/v1/eval/compare/${COMPARE_ID}`),
      get(`/v1/eval/compare/${COMPARE_ID}/report`),
      post(`/v1/eval/compare/${COMPARE_ID}/report-link`, {}),
      [
        'DELETE /v1/collections/handbook/documents/hr',
        async () => call(`/v1/collections/handbook/documents/${HR_DOC.name}`, key, { method: 'DELETE' }),
      ],
      [
        'DELETE /v1/collections/handbook/documents/exec',
        async () => call(`/v1/collections/handbook/documents/${EXEC_DOC.name}`, key, { method: 'DELETE' }),
      ],
      [
        'POST upload replacing the exec document',
        async () =>
          call('/v1/collections/handbook/documents', key, {
            method: 'POST',
            body: form([{ name: EXEC_DOC.name, text: '# Gone\n\nreplaced' }]),
          }),
      ],
    ];
    for (const id of [markers.hrRun, markers.otherRun, markers.adapterRun]) {
      list.push(
        get(`/v1/eval/runs/${id}`),
        get(`/v1/eval/runs/${id}/results`),
        get(`/v1/eval/runs/${id}/report`),
        post(`/v1/eval/runs/${id}/report-link`, {}),
      );
    }
    for (const collection of ['handbook', 'other']) {
      list.push(get(`/v1/collections/${collection}/documents`));
      for (const mode of ['hybrid', 'vector', 'keyword'])
        list.push(
          post(`/v1/collections/${collection}/search`, {
            query: `salary band merger plan launch code ${HR_SECRET}`,
            k: 20,
            mode,
          }),
        );
      list.push(
        post('/v1/chat/completions', {
          model: `attune/${collection}/rag`,
          max_tokens: 2,
          messages: [{ role: 'user', content: 'What is the salary band code, the merger plan and the launch code?' }],
        }),
      );
      // a blank question is refused (400) right after the adapter check, so no (fake) adapter is ever loaded
      for (const adapter of Object.values(ADAPTERS))
        list.push(
          post('/v1/chat/completions', {
            model: `attune/${collection}/ft-rag/${adapter}`,
            max_tokens: 2,
            messages: [{ role: 'user', content: ' ' }],
          }),
        );
    }
    for (const { collection, chunkId } of chunkIds) list.push(get(`/v1/collections/${collection}/chunks/${chunkId}`));
    for (const id of jobIds) list.push(get(`/v1/jobs/${id}`));
    return list;
  }

  it.each(Object.keys(KEYS))(
    'key %s: no response reveals anything outside its scope',
    async (name) => {
      const forbidden = KEYS[name]!.forbidden(markers);
      const leaks: string[] = [];
      let calls = 0;
      for (const [label, request] of probes(secrets[name]!)) {
        const response = await request();
        const body = await response.text();
        calls++;
        if (response.status >= 500) leaks.push(`${label}: status ${response.status}`);
        for (const marker of forbidden)
          if (body.includes(marker)) leaks.push(`${label} (${response.status}) reveals ${marker}`);
      }
      expect(calls).toBeGreaterThan(40);
      expect(leaks).toEqual([]);
    },
    300_000,
  );

  it('the probe can see a leak: the admin key receives every marker somewhere', async () => {
    const seen = new Set<string>();
    const everything = [
      ...hrOnly,
      ...otherOnly,
      ...everythingOnly,
      markers.hrRun,
      markers.otherRun,
      markers.adapterRun,
      home,
    ];
    for (const [label, request] of probes(secrets.admin!)) {
      if (/DELETE|replacing/.test(label)) continue;
      const body = await (await request()).text();
      for (const marker of everything) if (body.includes(marker)) seen.add(marker);
    }
    expect(everything.filter((marker) => !seen.has(marker))).toEqual([]);
  }, 300_000);

  it('keys that may manage a document still can: the hr+exec document is deleted by an hr,exec ingest key', async () => {
    const manager = createKey(home, { collections: ['handbook'], ops: ['ingest'], labels: ['hr', 'exec'] }).key;
    const hrIngester = createKey(home, { collections: ['handbook'], ops: ['ingest'], labels: ['hr'] }).key;
    expect(
      (await call(`/v1/collections/handbook/documents/${EXEC_DOC.name}`, hrIngester, { method: 'DELETE' })).status,
    ).toBe(403);
    expect(
      (await call(`/v1/collections/handbook/documents/${EXEC_DOC.name}`, manager, { method: 'DELETE' })).status,
    ).toBe(200);
  });
});
