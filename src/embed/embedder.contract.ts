import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

/** The shared contract every Embedder backend passes (STYLE.md §12). */
export function describeEmbedderContract(
  name: string,
  make: () => Promise<Embedder>,
  options: { semantic?: boolean } = {},
): void {
  describe(`Embedder contract: ${name}`, () => {
    let embedder: Embedder;
    beforeAll(async () => {
      embedder = await make();
    });
    afterAll(async () => embedder?.dispose());

    it('returns one vector of the declared dimension per input, in order', async () => {
      const texts = ['a lighthouse on a cliff', 'tax law for small firms', 'a beacon tower by the sea'];
      const vectors = await embedder.embed(texts);
      expect(vectors).toHaveLength(3);
      for (const v of vectors) expect(v).toHaveLength(embedder.dimension);
      const [second] = await embedder.embed([texts[1]!]);
      expect(cosine(vectors[1]!, second!)).toBeGreaterThan(0.999);
      expect(cosine(vectors[0]!, second!)).toBeLessThan(0.999);
    });

    // skipped for lexical embedders (the test kit's hashing one): these texts share no content word
    it.skipIf(options.semantic === false)('places a paraphrase closer than an unrelated text', async () => {
      const vectors = await embedder.embed([
        'a lighthouse on a cliff',
        'tax law for small firms',
        'a beacon tower by the sea',
      ]);
      expect(cosine(vectors[0]!, vectors[2]!)).toBeGreaterThan(cosine(vectors[0]!, vectors[1]!));
    });

    it('is deterministic and independent of batching', async () => {
      const [alone] = await embedder.embed(['copper prices in the harbour']);
      const [, inBatch] = await embedder.embed([
        'something else entirely, longer than the other one',
        'copper prices in the harbour',
      ]);
      expect(cosine(alone!, inBatch!)).toBeGreaterThan(0.999);
    });

    it('embeds an empty batch as no vectors', async () => {
      expect(await embedder.embed([])).toEqual([]);
    });

    it('counts tokens, more for longer text', () => {
      expect(embedder.countTokens('one two')).toBeGreaterThan(0);
      expect(embedder.countTokens('one two three four five six seven')).toBeGreaterThan(
        embedder.countTokens('one two'),
      );
      expect(embedder.maxTokens).toBeGreaterThan(0);
    });
  });
}
