import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { MemoryStore } from '../testing/memory-store.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { createApp, type AttuneApp } from './app.ts';
import { createKey } from './keys.ts';
import { writeCompareFixture } from './test-fixtures.ts';

// Every route of the server answered once through Hono's app.request() on the test kit (hashing embedder,
// scripted model, in-memory collections): no route is left without a request here (the list is checked
// against the app's own routing table), and none answers with a server error.
let home: string;
let attune: AttuneApp;
let admin: string;
const stores = new Map<string, MemoryStore>();

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'attune-routes-kit-'));
  admin = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
  await writeCompareFixture(home, 'cmp-kit');
  const runtime = createRuntime({
    config: parseConfig({}),
    home,
    factories: {
      embedder: async () => hashingEmbedder(),
      generator: async () => scriptedGenerator('Mara Quell built it [1].'),
      store: async (options) => {
        const known = stores.get(options.collection);
        if (known) return known;
        const store = new MemoryStore({ collection: options.collection, dimension: options.dimension });
        stores.set(options.collection, store);
        return store;
      },
    },
  });
  attune = createApp({ resources: runtime, auth: true });
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});
function upload(): RequestInit {
  const form = new FormData();
  form.append(
    'files',
    new File(['# Quell\n\nThe Quell lighthouse was built by Mara Quell.\n'], 'quell.md', { type: 'text/markdown' }),
  );
  return { method: 'POST', body: form };
}
const question = { id: 'q1', question: 'Who built the lighthouse?', answers: ['Mara Quell'] };

/** One request per route (METHOD and the route's own path pattern), in an order where later ones find what earlier ones made. */
const REQUESTS: [route: string, path: string, init?: RequestInit][] = [
  ['GET /health', '/health'],
  ['GET /v1/schemas', '/v1/schemas'],
  ['POST /v1/collections', '/v1/collections', json({ name: 'kit' })],
  ['GET /v1/collections', '/v1/collections'],
  ['POST /v1/collections/:collection/documents', '/v1/collections/kit/documents', upload()],
  ['GET /v1/jobs/:id', '/v1/jobs/no-such-job'],
  ['GET /v1/jobs/:id/events', '/v1/jobs/no-such-job/events'],
  ['GET /v1/collections/:collection/documents', '/v1/collections/kit/documents'],
  [
    'POST /v1/collections/:collection/search',
    '/v1/collections/kit/search',
    json({ query: 'lighthouse', rerank: true }),
  ],
  ['GET /v1/collections/:collection/chunks/:chunkId', '/v1/collections/kit/chunks/no-such-chunk'],
  ['GET /v1/models', '/v1/models'],
  [
    'POST /v1/chat/completions',
    '/v1/chat/completions',
    json({ model: 'attune/kit/rag', messages: [{ role: 'user', content: 'Who built the lighthouse?' }] }),
  ],
  ['POST /v1/embeddings', '/v1/embeddings', json({ model: 'embedder', input: ['lighthouse'] })],
  ['GET /v1/adapters', '/v1/adapters'],
  ['POST /v1/adapters/:name/load', '/v1/adapters/no-such-adapter/load', { method: 'POST' }],
  ['DELETE /v1/adapters/:name/load', '/v1/adapters/no-such-adapter/load', { method: 'DELETE' }],
  ['POST /v1/eval/runs', '/v1/eval/runs', json({ strategies: ['base'], questions: [question] })],
  ['GET /v1/eval/runs', '/v1/eval/runs'],
  ['GET /v1/eval/runs/:id', '/v1/eval/runs/no-such-run'],
  ['GET /v1/eval/runs/:id/results', '/v1/eval/runs/no-such-run/results'],
  ['GET /v1/eval/runs/:id/report', '/v1/eval/runs/no-such-run/report'],
  ['POST /v1/eval/runs/:id/report-link', '/v1/eval/runs/no-such-run/report-link', { method: 'POST' }],
  ['GET /v1/eval/compare', '/v1/eval/compare'],
  ['POST /v1/eval/compare', '/v1/eval/compare', json({ corpus: 'missing', questions: 'missing.jsonl' })],
  ['GET /v1/eval/compare/:id', '/v1/eval/compare/cmp-kit'],
  ['GET /v1/eval/compare/:id/report', '/v1/eval/compare/cmp-kit/report'],
  ['POST /v1/eval/compare/:id/report-link', '/v1/eval/compare/cmp-kit/report-link', { method: 'POST' }],
  ['GET /reports/:token', '/reports/no-such-token'],
  [
    'DELETE /v1/collections/:collection/documents/:docId{.+}',
    '/v1/collections/kit/documents/quell.md',
    { method: 'DELETE' },
  ],
  ['DELETE /v1/collections/:collection', '/v1/collections/kit', { method: 'DELETE' }],
];

/** The app's routes, as "METHOD path", without middleware and with a trailing "/" of a mounted root removed. */
function appRoutes(): string[] {
  const routes = attune.app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${r.path.length > 1 ? r.path.replace(/\/$/, '') : r.path}`);
  return [...new Set(routes)];
}

describe('every server route on the test kit', () => {
  it('has a request here for each route the app serves (the web UI pages aside, which web.model.test.ts opens in a browser)', () => {
    const api = appRoutes().filter(
      (route) => route.includes('/v1') || route.includes('/health') || route.includes('/reports/'),
    );
    expect(api.length).toBeGreaterThanOrEqual(30);
    expect(api.filter((route) => !REQUESTS.some(([r]) => r === route))).toEqual([]);
    expect(REQUESTS.map(([r]) => r).filter((route) => !api.includes(route))).toEqual([]);
  });

  it('answers every one with its own handler (never the router\'s "not found") and never with a server error', async () => {
    const statuses: Record<string, number> = {};
    for (const [route, path, init] of REQUESTS) {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${admin}`);
      const response = await attune.app.request(path, { ...init, headers });
      const body = await response.text();
      statuses[route] = response.status;
      expect(response.status, `${route}: ${body.slice(0, 200)}`).toBeLessThan(500);
      if (response.status === 404) expect(JSON.parse(body).error.message, route).not.toBe('not found');
    }
    // what worked on the kit, not only what did not fail
    expect(statuses['POST /v1/collections/:collection/documents']).toBeLessThan(300);
    expect(statuses['POST /v1/collections/:collection/search']).toBe(200);
    expect(statuses['POST /v1/chat/completions']).toBe(200);
    expect(statuses['POST /v1/embeddings']).toBe(200);
    expect(statuses['GET /v1/eval/compare/:id']).toBe(200);
  });
});
