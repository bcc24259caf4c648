import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RAG_SYSTEM_PROMPT } from '../answer/prompt.ts';
import { parseConfig } from '../config/config.ts';
import { createEmbedder, createGenerator } from '../runtime/backends.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Generator } from '../generate/generator.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { datasetsDir } from '../testing/datasets.ts';
import type { ChunkRecord, Hit } from '../types.ts';
import { buildTrainingData, collectionChunks } from './build-data.ts';

// 3 fictional-knowledge documents, 3 chunks each (a third of the sentences per chunk)
const docs = (
  JSON.parse(readFileSync(join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json'), 'utf8')) as {
    train_context: string;
  }[]
).slice(0, 3);
let embedder: Embedder;
let generator: Generator;
let store: Store;
let chunks: Hit[];

beforeAll(async () => {
  [embedder, generator] = await Promise.all([createEmbedder(parseConfig({})), createGenerator(parseConfig({}))]);
  store = await openStore({
    home: mkdtempSync(join(tmpdir(), 'attune-build-')),
    collection: 'fk',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  const texts: { docId: string; text: string }[] = [];
  docs.forEach((doc, d) => {
    const sentences = doc.train_context.split(/(?<=[.!?])\s+/);
    const third = Math.ceil(sentences.length / 3);
    for (let i = 0; i < 3; i++)
      texts.push({ docId: `doc${d}`, text: sentences.slice(i * third, (i + 1) * third).join(' ') });
  });
  const vectors = await embedder.embed(texts.map((t) => t.text));
  const records: ChunkRecord[] = texts.map((t, i) => ({
    chunkId: `c${i}`,
    docId: t.docId,
    source: `${t.docId}.md`,
    title: t.docId,
    headingPath: [],
    page: null,
    position: i % 3,
    text: t.text,
    docHash: 'h',
    labels: [],
    tags: [],
    vector: vectors[i]!,
  }));
  await store.write({ upsert: records, removeDocIds: [] });
  chunks = await collectionChunks(store, embedder.dimension);
}, 120_000);
afterAll(async () => {
  await store?.dispose();
  await embedder?.dispose();
  await generator?.dispose();
});

describe('dataset build on a real collection (MiniLM, LanceDB, SmolLM2)', () => {
  it('reads all 9 chunks', () => {
    expect(chunks).toHaveLength(9);
    expect(new Set(chunks.map((c) => c.docId))).toEqual(new Set(['doc0', 'doc1', 'doc2']));
  });

  it('raft: k retrieved distractors, the oracle in about a share P of examples, cited by its number', async () => {
    const result = await buildTrainingData(store, chunks, {
      mode: 'raft',
      embedder,
      distractors: 2,
      oracleShare: 0.5,
      seed: 3,
    });
    expect(result.lines.length).toBeGreaterThan(40);
    let withOracle = 0;
    for (const line of result.lines) {
      const [system, user, assistant] = line.messages;
      expect(system!.content).toBe(RAG_SYSTEM_PROMPT);
      const oracle = chunks.find((c) => c.chunkId === line.chunkId)!;
      expect(user!.content.split('\n<<<\n').length - 1).toBe(line.oracle ? 3 : 2);
      if (line.oracle) {
        withOracle++;
        const cited = Number(/\[(\d+)\]\.$/.exec(assistant!.content)?.[1]);
        const block = user!.content.split(/^\[\d+\]$/m)[cited]!;
        expect(block).toContain(oracle.text.slice(0, 60));
      } else {
        expect(user!.content.split('Using the documents above')[0]).not.toContain(oracle.text.slice(0, 60));
        expect(assistant!.content).not.toMatch(/\[\d+\]/);
      }
    }
    expect(withOracle / result.lines.length).toBeGreaterThan(0.3);
    expect(withOracle / result.lines.length).toBeLessThan(0.7);
  });

  it('qa-llm and paraphrases: questions from the local model, kept only when grounded in the chunk', async () => {
    const two = chunks.slice(0, 1);
    const result = await buildTrainingData(store, two, {
      mode: 'qa-llm',
      generator,
      questionsPerChunk: 2,
      paraphrases: 1,
    });
    expect(result.paraphrasesKept + result.paraphrasesDropped).toBe(1);
    for (const line of result.lines) {
      expect(line.messages[1]!.content.length).toBeGreaterThan(3);
      const answerWords = line.messages[2]!.content.toLowerCase().match(/[\p{L}\d]{3,}/gu) ?? [];
      const chunk = two.find((c) => c.chunkId === line.chunkId)!.text.toLowerCase();
      expect(answerWords.filter((w) => chunk.includes(w)).length / answerWords.length).toBeGreaterThanOrEqual(0.6);
    }
    // SmolLM2-135M mostly writes ungrounded or degenerate pairs (hence cloze mode): those must be dropped, not trained on
    expect(result.lines.length > 0 || result.chunksWithoutQuestions === 1).toBe(true);
  }, 120_000);
});
