import { describe, expect, it } from 'vitest';
import type { Embedder } from '../embed/embedder.ts';
import { queryVector } from './query-vectors.ts';

/** Failure injection: an embedder whose first call fails, then answers with the text's length. */
function flakyEmbedder(): Embedder & { calls: number } {
  const embedder = {
    id: 'flaky',
    dimension: 1,
    maxTokens: 512,
    calls: 0,
    async embed(texts: string[]) {
      embedder.calls++;
      if (embedder.calls === 1) throw new Error('endpoint timed out');
      return texts.map((text) => Float32Array.of(text.length));
    },
    countTokens: (text: string) => text.length,
    dispose: async () => {},
  };
  return embedder;
}

describe('queryVector', () => {
  it('does not keep a failed embedding: the next call embeds again, and that result is kept', async () => {
    const embedder = flakyEmbedder();
    await expect(queryVector(embedder, 'hello')).rejects.toThrow(/timed out/);
    expect(Array.from(await queryVector(embedder, 'hello'))).toEqual([5]);
    await queryVector(embedder, 'hello');
    expect(embedder.calls).toBe(2);
  });
  it("rejects an aborted caller without embedding, and one caller's abort does not fail another", async () => {
    const embedder = flakyEmbedder();
    embedder.calls = 1; // past the failure
    const controller = new AbortController();
    controller.abort();
    await expect(queryVector(embedder, 'x', controller.signal)).rejects.toThrow();
    expect(embedder.calls).toBe(1);
    const late = new AbortController();
    const aborted = queryVector(embedder, 'shared', late.signal);
    const other = queryVector(embedder, 'shared');
    late.abort();
    await expect(aborted).rejects.toThrow();
    expect(Array.from(await other)).toEqual([6]);
    expect(embedder.calls).toBe(2);
  });
  it('keeps the 512 most recently used queries', async () => {
    const embedder = flakyEmbedder();
    embedder.calls = 1;
    await queryVector(embedder, 'q0');
    for (let i = 1; i <= 512; i++) await queryVector(embedder, `q${i}`);
    expect(embedder.calls).toBe(514);
    await queryVector(embedder, 'q512'); // still cached
    expect(embedder.calls).toBe(514);
    await queryVector(embedder, 'q0'); // evicted as the least recently used
    expect(embedder.calls).toBe(515);
  });
});
