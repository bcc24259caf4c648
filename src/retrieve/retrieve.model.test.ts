import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createEmbedder, createGenerator } from '../runtime/backends.ts';
import type { Embedder } from '../embed/embedder.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { datasetsDir } from '../testing/datasets.ts';
import type { ChunkRecord } from '../types.ts';
import { llmReranker } from './llm-reranker.ts';
import { retrieve } from './retrieve.ts';

// 40 real clapnq passages as the corpus (one chunk each); question i's gold passage is passage i.
const lines = readFileSync(join(datasetsDir, 'clapnq', 'clapnq_dev_answerable.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .slice(0, 40);
const rows = lines.map((line) => JSON.parse(line) as { input: string; passages: { title: string; text: string }[] });
const questions = rows.slice(0, 10).map((row, i) => ({ question: row.input, gold: `p${i}` }));

let embedder: Embedder;
let store: Store;

beforeAll(async () => {
  embedder = await createEmbedder(parseConfig({}));
  store = await openStore({
    home: mkdtempSync(join(tmpdir(), 'attune-retrieve-')),
    collection: 'clapnq',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  const texts = rows.map((row) => `${row.passages[0]!.title}\n${row.passages[0]!.text}`);
  const vectors = await embedder.embed(texts);
  const chunks: ChunkRecord[] = texts.map((text, i) => ({
    chunkId: `p${i}#0`,
    docId: `p${i}`,
    source: `clapnq/p${i}.md`,
    title: rows[i]!.passages[0]!.title,
    headingPath: [],
    page: null,
    position: 0,
    text,
    docHash: 'h',
    labels: i % 2 ? ['odd'] : [],
    tags: [],
    vector: vectors[i]!,
  }));
  await store.write({ upsert: chunks, removeDocIds: [] });
});
afterAll(async () => {
  await store?.dispose();
  await embedder?.dispose();
});

describe('retrieve (real MiniLM, real LanceDB, clapnq passages)', () => {
  it('puts the gold passage in the top 5 for most questions, in every mode', async () => {
    const recall: Record<string, number> = {};
    for (const mode of ['hybrid', 'vector', 'keyword'] as const) {
      let found = 0;
      for (const { question, gold } of questions) {
        const { hits, timings } = await retrieve(store, embedder, question, { k: 5, mode });
        expect(hits.length).toBeLessThanOrEqual(5);
        expect(timings.searchMs).toBeGreaterThan(0);
        if (hits.some((h) => h.docId === gold)) found++;
      }
      recall[mode] = found / questions.length;
    }
    expect(recall.hybrid, JSON.stringify(recall)).toBeGreaterThanOrEqual(0.6);
    expect(recall.vector, JSON.stringify(recall)).toBeGreaterThanOrEqual(0.6);
    expect(recall.keyword, JSON.stringify(recall)).toBeGreaterThanOrEqual(0.4);
  });

  it('applies label and document filters inside the search, so the gold passage is hidden when filtered out', async () => {
    const { question, gold } = questions[1]!; // p1 carries the label "odd"
    const without = await retrieve(store, embedder, question, { k: 10, mode: 'hybrid', filter: { labels: [] } });
    expect(without.hits.map((h) => h.docId)).not.toContain(gold);
    expect(without.hits.every((h) => h.labels.length === 0)).toBe(true);
    const withLabel = await retrieve(store, embedder, question, { k: 10, mode: 'hybrid', filter: { labels: ['odd'] } });
    expect(withLabel.hits.map((h) => h.docId)).toContain(gold);
    const onlyTwo = await retrieve(store, embedder, question, {
      k: 10,
      mode: 'vector',
      filter: { docIds: ['p3', 'p4'] },
    });
    expect(onlyTwo.hits.map((h) => h.docId).sort()).toEqual(['p3', 'p4']);
  });

  it('embeds a repeated query once per embedder, and the cached vector is the one the model gives', async () => {
    const calls: string[][] = [];
    // the real embedder, watched: the cache is per embedder instance, so this one starts empty
    const watched: Embedder = {
      ...embedder,
      id: embedder.id,
      dimension: embedder.dimension,
      maxTokens: embedder.maxTokens,
      embed: (texts, options) => {
        calls.push(texts);
        return embedder.embed(texts, options);
      },
    };
    const { question } = questions[2]!;
    const first = await retrieve(store, watched, question, { k: 3, mode: 'vector' });
    const again = await retrieve(store, watched, question, { k: 3, mode: 'hybrid' });
    expect(calls).toEqual([[question]]);
    expect(again.vector).toBe(first.vector);
    const [fresh] = await embedder.embed([question]);
    expect(Array.from(first.vector!)).toEqual(Array.from(fresh!));
    await retrieve(store, watched, questions[3]!.question, { k: 3, mode: 'vector' });
    expect(calls).toHaveLength(2);
  });

  it('reranks candidates with the real generator into at most k graded hits', async () => {
    const generator = await createGenerator(parseConfig({}));
    try {
      const { question } = questions[0]!;
      const reranker = llmReranker(generator);
      const { hits, timings } = await retrieve(store, embedder, question, {
        k: 2,
        mode: 'hybrid',
        reranker,
        candidates: 3,
      });
      expect(hits).toHaveLength(2);
      expect(timings.rerankMs).toBeGreaterThan(0);
      for (const hit of hits) expect([0, 1, 2, 3]).toContain(hit.score);
      expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[1]!.score);
      expect(new Set(hits.map((h) => h.chunkId)).size).toBe(2);
    } finally {
      await generator.dispose();
    }
  });
});
