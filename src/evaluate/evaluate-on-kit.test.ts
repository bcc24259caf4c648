import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseStrategy } from '../answer/base-strategy.ts';
import { ragStrategy } from '../answer/rag-strategy.ts';
import { parseQuestions } from '../dataset/questions.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { MemoryStore } from '../testing/memory-store.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import type { ChunkRecord } from '../types.ts';
import { LOCAL_PRICES } from './metrics/cost.ts';
import { executeRun, loadRunReport, planNewRun } from './run.ts';

// An evaluation run on the test kit: the real rag and base strategies, real retrieval over the
// in-memory store, real scoring and storage; a scripted "model" that reads the first document it is shown.
const DOCS = {
  'tower.md': 'The Vell tower stands in Arnsby and was finished in 1889.',
  'bridge.md': 'The Osk bridge spans the river Lume and opened in 1932.',
  'mill.md': 'The old Harrow mill grinds rye flour for the village bakery.',
};
const QUESTIONS = [
  { id: 'q1', question: 'In which town does the Vell tower stand?', answers: ['Arnsby'], goldDocIds: ['tower.md'] },
  { id: 'q2', question: 'Which river does the Osk bridge span?', answers: ['Lume'], goldDocIds: ['bridge.md'] },
  { id: 'q3', question: 'What flour does the Harrow mill grind?', answers: ['rye'], goldDocIds: ['mill.md'] },
  { id: 'q4', question: 'Who painted the ceiling of the opera?', answers: [], answerable: false },
];

/** Answers with the word after "stands in", "river" or "grinds" in the first document shown; without documents (base) it does not know. */
const model = scriptedGenerator(({ prompt }) => {
  const first = /<<<\n([\s\S]*?)\n>>>/.exec(prompt)?.[1]?.split('\n').at(-1);
  if (!first) return "I don't know.";
  const found = /stands in (\w+)|river (\w+)|grinds (\w+)/.exec(first);
  return found ? `${found.slice(1).find(Boolean)} [1]` : "I don't know.";
});

describe('evaluation run on the test kit', () => {
  it('scores rag above base, retrieves the gold documents and abstains on the unanswerable question', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-eval-kit-'));
    try {
      const embedder = hashingEmbedder();
      const store = new MemoryStore({ collection: 'towns', dimension: embedder.dimension });
      const vectors = await embedder.embed(Object.values(DOCS));
      const upsert: ChunkRecord[] = Object.entries(DOCS).map(([docId, text], i) => ({
        chunkId: `${docId}#0`,
        docId,
        source: docId,
        title: docId,
        headingPath: [],
        page: null,
        position: 0,
        text,
        docHash: 'h',
        labels: [],
        tags: [],
        vector: vectors[i]!,
      }));
      await store.write({ upsert, removeDocIds: [] });
      const strategies = [
        baseStrategy(model),
        ragStrategy({ store, embedder, generator: model, retrieval: { k: 2, mode: 'hybrid', minVectorScore: 0.3 } }),
      ];
      const set = { ...parseQuestions(QUESTIONS.map((q) => JSON.stringify(q)).join('\n'), 'towns.jsonl'), hash: 'h' };
      const settings = {
        strategies: ['base', 'rag'],
        repeats: 1,
        baseSeed: 1,
        temperature: 0,
        maxTokens: 32,
        models: { generator: model.id },
        adapters: {},
        prices: LOCAL_PRICES,
        config: {},
      };
      const plan = await planNewRun(home, set, settings);
      const { report } = await executeRun(home, plan, { strategies });

      const rag = report.strategies.rag!.metrics;
      const base = report.strategies.base!.metrics;
      expect(rag.scores.exactMatch.mean).toBe(1);
      expect(rag.scores.recallAtK.mean).toBe(1);
      expect(rag.scores.abstentionRecall.mean).toBe(1);
      expect(base.scores.exactMatch.mean).toBe(0);
      expect(rag.errors + base.errors).toBe(0);
      const unanswerable = report.strategies.rag!.items.find((item) => item.questionId === 'q4')!;
      expect(unanswerable.abstained).toBe(true);
      // stored and reloaded: the same numbers come back from disk
      expect((await loadRunReport(home, plan.meta.runId)).strategies.rag!.metrics.scores.exactMatch.mean).toBe(1);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
