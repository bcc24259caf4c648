import { describe, expect, it } from 'vitest';
import type { Config } from '../config/config.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Generator } from '../generate/generator.ts';
import type { Store } from '../store/store.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { scriptedGenerator, type Script } from '../testing/scripted-generator.ts';
import type { Strategy } from './strategy.ts';
import { kitCollection } from '../testing/kit-collection.ts';

/** What a strategy under contract is built from: the kit's models and a collection (empty or filled). */
export interface StrategyContractDeps {
  generator: Generator;
  store: Store;
  embedder: Embedder;
  retrieval: Config['retrieval'];
}

export interface StrategyContractOptions {
  /** True when the strategy retrieves from the collection (the catalog's `collection`). */
  collection: boolean;
  /** The adapter the strategy was built with; every model call must carry it (undefined: none). */
  adapter?: string;
}

const DOCS = [
  { docId: 'lighthouse.md', text: 'The Quell lighthouse was built in 1871 by the engineer Mara Quell.' },
  { docId: 'harbour.md', text: 'Copper prices rose in the harbour town after the new pier opened.' },
  { docId: 'soup.md', text: 'A recipe for barley soup with thyme and smoked leeks.' },
];
const QUESTION = 'Who built the Quell lighthouse?';
const REPLY = 'Mara Quell built it in 1871 [1].';

const collection = (embedder: Embedder, docs = DOCS) => kitCollection(embedder, docs, 'contract');

/**
 * The contract every answering strategy keeps (STYLE.md §12), run on the test kit: the hashing embedder,
 * an in-memory collection and a scripted model, so it checks the strategy's own logic, not a model's quality.
 */
export function describeStrategyContract(
  name: string,
  make: (deps: StrategyContractDeps) => Strategy,
  options: StrategyContractOptions,
): void {
  describe(`Strategy contract: ${name}`, () => {
    const embedder = hashingEmbedder();
    const retrieval: Config['retrieval'] = { k: 2, mode: 'hybrid', minVectorScore: 0.3, rerank: false };
    async function setup(script: Script, docs = DOCS) {
      const generator = scriptedGenerator(script);
      const store = await collection(embedder, docs);
      return { generator, store, strategy: make({ generator, store, embedder, retrieval }) };
    }

    it("answers with the model's reply, its usage and consistent timings, under its own name", async () => {
      const { generator, strategy } = await setup(REPLY);
      const answer = await strategy.answer(QUESTION);
      expect(strategy.name).toBe(name);
      expect(answer).toMatchObject({ answer: REPLY, abstained: false });
      expect(generator.requests).toHaveLength(1);
      expect(generator.requests[0]!.adapter).toBe(options.adapter);
      expect(answer.usage.completionTokens).toBeGreaterThan(0);
      expect(answer.usage.promptTokens).toBeGreaterThan(0);
      expect(answer.timings.generateMs).toBeGreaterThanOrEqual(0);
      expect(answer.timings.totalMs).toBeGreaterThanOrEqual(answer.timings.generateMs);
    });

    if (options.collection) {
      it('shows the model chunks from the collection and cites only chunks it retrieved', async () => {
        const { generator, store, strategy } = await setup(REPLY);
        const answer = await strategy.answer(QUESTION);
        const inStore = new Set((await store.documents()).map((d) => `${d.docId}#0`));
        expect(answer.retrieved.length).toBeGreaterThan(0);
        for (const hit of answer.retrieved) expect(inStore.has(hit.chunkId)).toBe(true);
        expect(answer.retrieved[0]!.docId).toBe('lighthouse.md');
        expect(generator.prompts[0]).toContain(answer.retrieved[0]!.text);
        const retrieved = new Set(answer.retrieved.map((hit) => hit.chunkId));
        expect(answer.citations.length).toBeGreaterThan(0);
        for (const citation of answer.citations) expect(retrieved.has(citation.chunkId)).toBe(true);
      });

      it('abstains without calling the model when retrieval finds nothing', async () => {
        const { generator, strategy } = await setup('should never be said', []);
        const answer = await strategy.answer(QUESTION);
        expect(generator.requests).toHaveLength(0);
        expect(answer).toMatchObject({
          abstained: true,
          citations: [],
          retrieved: [],
          usage: { promptTokens: 0, completionTokens: 0 },
        });
      });
    } else {
      it('answers from the model alone: no retrieval, no documents in the prompt, no citations', async () => {
        const { generator, strategy } = await setup(REPLY);
        const answer = await strategy.answer(QUESTION);
        expect(answer.retrieved).toEqual([]);
        expect(answer.citations).toEqual([]);
        for (const doc of DOCS) expect(generator.prompts[0]).not.toContain(doc.text);
      });

      it('answers the same with an empty collection: it never reads one', async () => {
        const { generator, strategy } = await setup(REPLY, []);
        expect((await strategy.answer(QUESTION)).answer).toBe(REPLY);
        expect(generator.requests).toHaveLength(1);
      });
    }

    it('reports a model that declines as an abstention, with no citations', async () => {
      const { strategy } = await setup("I don't know: the documents don't say.");
      expect(await strategy.answer(QUESTION)).toMatchObject({ abstained: true, citations: [] });
    });

    it('streams the reply and passes the sampling settings to the model', async () => {
      const { generator, strategy } = await setup(REPLY);
      let streamed = '';
      const answer = await strategy.answer(QUESTION, {
        seed: 7,
        temperature: 0.5,
        onToken: (text) => (streamed += text),
      });
      expect(streamed.trim()).toBe(answer.answer);
      expect(generator.requests[0]).toMatchObject({ seed: 7, temperature: 0.5 });
    });

    it('rejects an aborted call without answering', async () => {
      const { generator, strategy } = await setup(REPLY);
      await expect(strategy.answer(QUESTION, { signal: AbortSignal.abort() })).rejects.toThrow();
      expect(generator.requests).toHaveLength(0);
    });
  });
}
