import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStrategy } from '../answer/create-strategy.ts';
import { parseConfig } from '../config/config.ts';
import { adapterGgufPath, createGenerator } from '../runtime/backends.ts';
import { pushAdapter } from '../generate/hosted-adapters.ts';
import { startOpenAICompatibleServer, type OpenAICompatibleServer } from '../testing/openai-compatible-server.ts';
import { scriptedGenerator, type ScriptedGenerator } from '../testing/scripted-generator.ts';
import { createApp, type AttuneApp } from './app.ts';
import { createKey } from './keys.ts';
import { createRuntime } from '../runtime/runtime.ts';

// vLLM (the hosted engine these routes drive with generator.provider = openai) needs a GPU: here it is the
// project's OpenAI-compatible test server with vLLM's runtime LoRA endpoints and model-name routing, in front
// of a scripted generator. The llama.cpp side (a context per adapter, LRU) runs real models in tune.model.test.ts.
const degradedParity = {
  status: 'degraded',
  failed: ['eos-token'],
  checkedAt: '2026-01-01T00:00:00Z',
  prompts: 2,
  seconds: 1,
};

function register(home: string, name: string, meta: Record<string, unknown>): void {
  mkdirSync(join(home, 'adapters', name, 'peft'), { recursive: true });
  writeFileSync(adapterGgufPath(home, name), 'GGUF');
  writeFileSync(join(home, 'adapters', name, 'peft', 'adapter_config.json'), '{"peft_type": "LORA"}');
  writeFileSync(join(home, 'adapters', name, 'meta.json'), JSON.stringify({ name, ...meta }));
}

describe('adapter routes and a hosted engine (vLLM protocol)', () => {
  let home: string;
  let engine: OpenAICompatibleServer;
  let backend: ScriptedGenerator;
  let attune: AttuneApp;
  const keys: Record<string, string> = {};
  const call = (path: string, key: string, init: RequestInit = {}) =>
    attune.app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    });
  const chat = (model: string, key: string) =>
    call('/v1/chat/completions', key, {
      method: 'POST',
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'When is support open?' }] }),
    });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'attune-adapter-routes-'));
    register(home, 'faq', {
      scope: { collections: ['handbook'], labels: [] },
      parity: { ...degradedParity, status: 'ok', failed: [] },
    });
    register(home, 'hr', { scope: { collections: ['handbook'], labels: ['hr'] } });
    register(home, 'broken', { scope: { collections: ['handbook'], labels: [] }, parity: degradedParity });
    backend = scriptedGenerator('Support is open 9 to 5.');
    engine = await startOpenAICompatibleServer({ generator: backend, lora: { baseModel: 'base-model' } });
    keys.admin = createKey(home, { collections: ['*'], ops: ['admin'], labels: undefined }).key;
    keys.reader = createKey(home, { collections: ['handbook'], ops: ['read'], labels: [] }).key;
    const config = parseConfig({ generator: { provider: 'openai', baseURL: engine.url, model: 'base-model' } });
    attune = createApp({ resources: createRuntime({ config, home }), auth: true });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists the adapters a key may see with their parity status, none loaded before the first request', async () => {
    const listed = await (await call('/v1/adapters', keys.reader!)).json();
    expect(listed.adapters).toEqual([
      { name: 'broken', loaded: false, parity: 'degraded' },
      { name: 'faq', loaded: false, parity: 'ok' },
    ]);
  });

  it('loads and unloads an adapter over the API (admin only), the engine reading its PEFT folder', async () => {
    expect((await call('/v1/adapters/faq/load', keys.reader!, { method: 'POST' })).status).toBe(403);
    const loaded = await call('/v1/adapters/faq/load', keys.admin!, { method: 'POST' });
    expect(loaded.status).toBe(200);
    expect((await loaded.json()).adapters).toEqual(['faq']);
    expect(engine.loras.get('faq')).toBe(join(home, 'adapters', 'faq', 'peft'));
    expect(
      (await (await call('/v1/adapters', keys.reader!)).json()).adapters.find((a: { name: string }) => a.name === 'faq')
        .loaded,
    ).toBe(true);
    // reloading (a retrained adapter keeps its name) replaces it instead of failing on vLLM's "already loaded"
    expect((await call('/v1/adapters/faq/load', keys.admin!, { method: 'POST' })).status).toBe(200);

    const answer = await chat('attune/handbook/ft/faq', keys.reader!);
    expect(answer.status).toBe(200);
    expect((await answer.json()).choices[0].message.content).toBe('Support is open 9 to 5.');
    expect(engine.chatModels.at(-1)).toBe('faq');
    expect(backend.requests.at(-1)!.adapter).toBe('faq');

    const unloaded = await (await call('/v1/adapters/faq/load', keys.admin!, { method: 'DELETE' })).json();
    expect(unloaded).toMatchObject({ unloaded: true, adapters: [] });
    expect(engine.loras.has('faq')).toBe(false);
    // the engine routes by model name: an adapter it does not hold is an error, never a silent base-model answer
    const answered = backend.requests.length;
    expect((await chat('attune/handbook/ft/faq', keys.reader!)).status).toBe(500);
    expect(backend.requests.length).toBe(answered);
  });

  it('refuses a degraded adapter in one line naming the failed check', async () => {
    const refused = await chat('attune/handbook/ft/broken', keys.reader!);
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.message).toMatch(
      /^adapter broken is degraded: .*\(eos-token\).*--allow-degraded$/,
    );
    expect((await call('/v1/adapters/broken/load', keys.admin!, { method: 'POST' })).status).toBe(409);
    expect(engine.loras.has('broken')).toBe(false);
  });

  it('keeps an adapter out of sight of a key not allowed all its training labels', async () => {
    expect((await chat('attune/handbook/ft/hr', keys.reader!)).status).toBe(404);
    expect((await call('/v1/adapters/hr/load', keys.admin!, { method: 'POST' })).status).toBe(200);
  });

  it("adapters push loads the PEFT folder by name; --path-on-server passes the engine's own path", async () => {
    const gguf = adapterGgufPath(home, 'faq');
    await expect(pushAdapter({ name: 'faq', adapterGguf: gguf, to: engine.url })).resolves.toEqual({
      name: 'faq',
      lora_path: join(home, 'adapters', 'faq', 'peft'),
    });
    // the test engine shares this file system, so a path it cannot see fails as vLLM fails
    await expect(
      pushAdapter({ name: 'faq2', adapterGguf: gguf, to: engine.url, pathOnServer: '/mnt/elsewhere/faq/peft' }),
    ).rejects.toThrow(
      /load_lora_adapter: loading adapter faq2 from \/mnt\/elsewhere\/faq\/peft failed \(400\): .*No adapter found/,
    );
  });

  it('ask / eval / compare: generator.loadAdapters loads the adapters a run uses and ft answers through them', async () => {
    await fetch(`${engine.url}/unload_lora_adapter`, { method: 'POST', body: JSON.stringify({ lora_name: 'faq' }) });
    const config = parseConfig({
      generator: { provider: 'openai', baseURL: engine.url, model: 'base-model', loadAdapters: true },
    });
    const generator = await createGenerator(config, { adapters: { faq: adapterGgufPath(home, 'faq') } });
    expect(engine.loras.get('faq')).toBe(join(home, 'adapters', 'faq', 'peft'));
    const answer = await createStrategy('ft', { generator }, { adapter: 'faq', maxTokens: 16 }).answer(
      'When is support open?',
    );
    expect(answer.answer).toBe('Support is open 9 to 5.');
    expect(engine.chatModels.at(-1)).toBe('faq');
    await expect(
      createStrategy('ft', { generator }, { adapter: 'unknown', maxTokens: 16 }).answer('When?'),
    ).rejects.toThrow(/model unknown.*404.*does not exist/);
  });
});
