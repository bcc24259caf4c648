import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError, UsageError } from '../errors.ts';
import { mergeAdapter } from '../tune/merge.ts';
import { loadHostedAdapters, peftPathOnServer } from './hosted-adapters.ts';

describe('hosted adapters', () => {
  const home = mkdtempSync(join(tmpdir(), 'attune-hosted-adapters-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('maps a registered adapter to the PEFT folder the engine reads', () => {
    expect(peftPathOnServer('/home/me/.attune/adapters/faq/adapter.gguf')).toBe('/home/me/.attune/adapters/faq/peft');
    expect(peftPathOnServer('/home/me/.attune/adapters/faq/adapter.gguf', '/mnt/attune/adapters')).toBe(
      '/mnt/attune/adapters/faq/peft',
    );
  });

  it('refuses an adapter without a PEFT folder before asking the engine', async () => {
    mkdirSync(join(home, 'adapters', 'old'), { recursive: true });
    const loads: string[] = [];
    const runtime = {
      loadAdapter: async (name: string) => void loads.push(name),
      unloadAdapter: async () => true,
      loadedAdapters: () => loads,
    };
    await expect(loadHostedAdapters(runtime, { old: join(home, 'adapters', 'old', 'adapter.gguf') })).rejects.toThrow(
      ModelError,
    );
    expect(loads).toEqual([]);
    // a remote engine (pathOnServer) checks its own file system
    await loadHostedAdapters(runtime, { old: join(home, 'adapters', 'old', 'adapter.gguf') }, '/mnt/a');
    expect(loads).toEqual(['old']);
  });

  it('merge refuses an adapter whose base is not a GGUF file, naming it, and writes nothing', async () => {
    mkdirSync(join(home, 'adapters', 'hf'), { recursive: true });
    writeFileSync(
      join(home, 'adapters', 'hf', 'meta.json'),
      JSON.stringify({
        name: 'hf',
        baseModel: join(home, 'hf-model'),
        data: { file: 'x' },
        hyperparameters: { seed: 1 },
      }),
    );
    await expect(mergeAdapter({ home, name: 'hf', python: '/nonexistent/python' })).rejects.toThrow(UsageError);
    await expect(mergeAdapter({ home, name: 'hf', python: '/nonexistent/python' })).rejects.toThrow(
      /hf-model is not a GGUF file here.*convert_hf_to_gguf/,
    );
  });
});
