import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../config/config.ts';
import { ModelError } from '../../errors.ts';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import { MemoryStore } from '../../testing/memory-store.ts';
import { main } from '../main.ts';
import { runAsk } from './ask.ts';

const home = mkdtempSync(join(tmpdir(), 'attune-ask-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('attune ask', () => {
  it('disposes the store and the embedder when the generator fails to load', async () => {
    const disposed: string[] = [];
    const tracked = <T extends { dispose(): Promise<void> }>(label: string, value: T): T => {
      const dispose = value.dispose.bind(value);
      value.dispose = async () => {
        disposed.push(label);
        await dispose();
      };
      return value;
    };
    // the real generator factory, given a GGUF path that does not exist; the kit stands in for the collection
    const config = parseConfig({ generator: { provider: 'llama', model: join(home, 'no-such-model.gguf') } });
    const factories = {
      embedder: async () => tracked('embedder', hashingEmbedder()),
      store: async (options: { collection: string; dimension: number }) => tracked('store', new MemoryStore(options)),
    };
    const failure = runAsk(
      'Who built it?',
      { strategy: 'rag', collection: 'handbook', maxTokens: '16' },
      { home, config, env: process.env, factories },
    );
    await expect(failure).rejects.toThrow(ModelError);
    await expect(failure).rejects.toThrow(/model file not found/);
    expect(disposed.sort()).toEqual(['embedder', 'store']);
  });

  it('refuses a strategy the catalog does not name, and one missing its collection, before loading anything', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'attune', '--home', home, 'ask', 'Who?', '--strategy', 'rerank'])).toBe(2);
      expect(await main(['node', 'attune', '--home', home, 'ask', 'Who?', '--strategy', 'raft'])).toBe(2);
      const lines = stderr.mock.calls.map(([text]) => String(text));
      expect(lines[0]).toBe(
        'attune: --strategy: unknown strategy "rerank" (known: base, rag, rag-tuned, rag-ft-retriever, ft, ft-rag, raft)\n',
      );
      expect(lines[1]).toBe('attune: strategy raft needs --collection NAME\n');
    } finally {
      stderr.mockRestore();
    }
  });
});
