import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createEmbedder, createGenerator } from '../runtime/backends.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Generator } from '../generate/generator.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { baseStrategy } from './base-strategy.ts';
import { rewriteQuery, type History } from './conversation.ts';
import { ragStrategy } from './rag-strategy.ts';

// The real generator rewrites a follow-up; the real embedder and store then retrieve the document it refers to.
const DOCUMENTS = [
  {
    docId: 'ibuprofen.md',
    text: 'Ibuprofen dosing: children take 5 to 10 mg per kilogram of body weight every 6 to 8 hours; adults take 200 to 400 mg.',
  },
  {
    docId: 'playground.md',
    text: 'The playground is open to children every day from 9 am to 6 pm, and children under five must be with an adult.',
  },
  { docId: 'garden.md', text: 'Tomatoes in the community garden are watered every morning and picked in late August.' },
];
const HISTORY: History = [
  { role: 'user', content: 'What is the dose of ibuprofen for adults?' },
  { role: 'assistant', content: 'Adults take 200 to 400 mg of ibuprofen.' },
];
const FOLLOW_UP = 'And what about for children?';

describe('follow-up questions (real models)', () => {
  let home: string;
  let generator: Generator;
  let embedder: Embedder;
  let store: Store;
  const config = parseConfig({ generator: { provider: 'llama', threads: 1 } });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'attune-conversation-'));
    [generator, embedder] = await Promise.all([createGenerator(config), createEmbedder(config)]);
    store = await openStore({
      home,
      collection: 'c',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: true,
    });
    const vectors = await embedder.embed(DOCUMENTS.map((d) => d.text));
    await store.write({
      removeDocIds: [],
      upsert: DOCUMENTS.map((d, i) => ({
        chunkId: d.docId,
        docId: d.docId,
        source: d.docId,
        title: d.docId,
        headingPath: [],
        page: null,
        position: 0,
        text: d.text,
        docHash: 'h',
        labels: [],
        tags: [],
        vector: vectors[i]!,
      })),
    });
  }, 120_000);
  afterAll(async () => {
    await store?.dispose();
    await generator?.dispose();
    await embedder?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('rewrites the follow-up into a query that names what it refers to', async () => {
    const rewritten = await rewriteQuery(generator, HISTORY, FOLLOW_UP);
    expect(rewritten.source).not.toBe('none');
    expect(rewritten.query.toLowerCase()).toContain('ibuprofen');
    expect(rewritten.query.toLowerCase()).toContain('children');
  }, 120_000);

  it('rag answers a follow-up from the document the conversation is about, not from the follow-up alone', async () => {
    const rag = ragStrategy(
      { store, embedder, generator, retrieval: { ...config.retrieval, k: 1, mode: 'hybrid' } },
      { maxTokens: 24 },
    );
    const alone = await rag.answer(FOLLOW_UP);
    const followUp = await rag.answer(FOLLOW_UP, { history: HISTORY });
    expect(alone.retrieved[0]?.docId).toBe('playground.md'); // the follow-up alone is about children in general
    expect(followUp.retrievalQuery?.toLowerCase()).toContain('ibuprofen');
    expect(followUp.retrieved[0]?.docId).toBe('ibuprofen.md');
  }, 120_000);

  it("reports finish_reason 'length' when the budget cuts the answer off", async () => {
    const answer = await baseStrategy(generator, { maxTokens: 3 }).answer(
      'Write a long story about a dragon who learns to bake bread.',
    );
    expect(answer.usage.completionTokens).toBe(3);
    expect(answer.finishReason).toBe('length');
  }, 120_000);
});
