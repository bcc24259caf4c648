import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createApp, type AttuneApp } from './app.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { startServer } from './serve.ts';

// --no-auth: every request is the local admin, so the Host, Origin and content-type checks are all that
// stands between a web page in the user's browser and the server (CSRF, DNS rebinding). No models needed.
describe('request guard (--no-auth)', () => {
  let home: string;
  let attune: AttuneApp;
  const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    attune.app.request(`http://127.0.0.1:8787${path}`, {
      ...init,
      headers: { host: '127.0.0.1:8787', ...init.headers },
    });
  const createCollection = (headers: Record<string, string>, body = JSON.stringify({ name: 'made' })) =>
    request('/v1/collections', { method: 'POST', body, headers });

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'attune-guard-'));
    attune = createApp({ resources: createRuntime({ config: parseConfig({}), home }), auth: false });
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("answers only to loopback host names (DNS rebinding sends the attacker's name)", async () => {
    expect((await request('/v1/collections')).status).toBe(200);
    expect((await request('/v1/collections', { headers: { host: 'localhost:8787' } })).status).toBe(200);
    for (const host of ['evil.example:8787', 'evil.example', '127.0.0.1.evil.example']) {
      expect((await request('/v1/collections', { headers: { host } })).status).toBe(403);
      expect((await request('/', { headers: { host } })).status).toBe(403);
    }
  });

  it('refuses state changes from another origin and JSON sent as a form or text', async () => {
    expect(
      (await createCollection({ 'content-type': 'application/json', origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await createCollection({ 'content-type': 'application/json', origin: 'null' })).status).toBe(403);
    expect(
      (await createCollection({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect((await createCollection({ 'content-type': 'text/plain' })).status).toBe(415);
    expect((await createCollection({ 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await request('/v1/collections')).status).toBe(200);
    expect((await (await request('/v1/collections')).json()).collections).toEqual([]);
    // the web UI (same origin) and plain clients (no Origin) still work
    expect(
      (await createCollection({ 'content-type': 'application/json', origin: 'http://127.0.0.1:8787' })).status,
    ).toBe(201);
  });

  it('limits JSON bodies, chat messages and embedding inputs before any model is loaded', async () => {
    const json = { 'content-type': 'application/json' };
    const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    expect((await request('/v1/collections', { method: 'POST', body: huge, headers: json })).status).toBe(413);
    const long = { model: 'attune/base', messages: [{ role: 'user', content: 'x'.repeat(16_001) }] };
    const chat = await request('/v1/chat/completions', { method: 'POST', body: JSON.stringify(long), headers: json });
    expect(chat.status).toBe(400);
    expect((await chat.json()).error.message).toMatch(/messages\.0\.content/);
    const many = {
      model: 'attune/base',
      messages: Array.from({ length: 5 }, () => ({ role: 'user', content: 'y'.repeat(15_000) })),
    };
    expect(
      (await request('/v1/chat/completions', { method: 'POST', body: JSON.stringify(many), headers: json })).status,
    ).toBe(400);
    const inputs = { model: 'm', input: Array.from({ length: 11 }, () => 'z'.repeat(19_000)) };
    expect(
      (await request('/v1/embeddings', { method: 'POST', body: JSON.stringify(inputs), headers: json })).status,
    ).toBe(400);
  });

  it('refuses --no-auth on a host that is not loopback', async () => {
    await expect(
      startServer({
        resources: createRuntime({ config: parseConfig({}), home }),
        auth: false,
        host: '0.0.0.0',
        port: 0,
      }),
    ).rejects.toThrow(/loopback/);
  });
});
