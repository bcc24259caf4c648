import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.ts';
import type { Embedder } from '../../embed/embedder.ts';
import { ingest } from '../../ingest/ingest.ts';
import { openStore } from '../../store/open.ts';
import type { Store } from '../../store/store.ts';
import { hashingEmbedder } from '../../testing/hashing-embedder.ts';
import { scriptedGenerator } from '../../testing/scripted-generator.ts';
import { llmReranker } from '../llm-reranker.ts';
import { replaceChunks, writeRetrievalChoice } from './apply.ts';
import { chunkingVariant, sourceDocuments } from './variants.ts';
import { tuneRetrieval } from './tune.ts';
import { generatedQuestions } from './questions.ts';

// Real walking, parsing, chunking and LanceDB collections; the hashing embedder stands in for the model.
const home = mkdtempSync(join(tmpdir(), 'attune-tune-retrieval-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const CITIES = ['Quell', 'Marrow', 'Tessik', 'Oban', 'Fennick', 'Larch', 'Dovrin', 'Ysolde'];
const chunking = { maxTokens: 60, overlapTokens: 8 };

/** Counts the texts it embeds: a rerun must embed nothing but the questions. */
function countingEmbedder(inner: Embedder): Embedder & { texts: number } {
  const counter = {
    ...inner,
    texts: 0,
    id: inner.id,
    dimension: inner.dimension,
    countTokens: (text: string) => inner.countTokens(text),
    embed: (texts: string[], options?: { signal?: AbortSignal }) => {
      counter.texts += texts.length;
      return inner.embed(texts, options);
    },
  };
  return counter;
}

const embedder = countingEmbedder(hashingEmbedder());
const questions = CITIES.map((city, i) => ({
  id: `q${i}`,
  question: `When was the ${city} lighthouse built and by whom?`,
  answers: [`${1850 + i}`],
  goldDocIds: [`${city.toLowerCase()}.md`],
}));
let store: Store;
const collection = async () => {
  const chunks: string[] = [];
  for await (const page of store.exportChunks()) chunks.push(...page.map((c) => c.chunkId));
  return chunks.sort();
};

beforeAll(async () => {
  const corpus = join(home, 'corpus');
  mkdirSync(corpus, { recursive: true });
  CITIES.forEach((city, i) => {
    const other = CITIES[(i + 1) % CITIES.length];
    writeFileSync(
      join(corpus, `${city.toLowerCase()}.md`),
      `# ${city}\n\nThe ${city} lighthouse was built in ${1850 + i} by the engineer Ada ${city}. Its lamp burns oil from the ${other} markets.\n\n` +
        `## Harbour\n\nFishing boats of ${city} land herring and cod every morning. Traders from ${other} buy salt, rope and tar here.\n\n` +
        `## Weather\n\nStorms reach ${city} from the west in autumn, and the ferry to ${other} stops for weeks.`,
    );
  });
  store = await openStore({
    home,
    collection: 'docs',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  await ingest({ paths: [corpus], store, embedder, chunking, cacheDir: join(home, 'cache') });
});
afterAll(() => store.dispose());

describe('tuneRetrieval on a real collection', () => {
  it('searches chunkings in variant collections, never writes the user’s, and reuses built variants', async () => {
    const before = await collection();
    const root = join(home, 'tuning');
    const options = {
      store,
      embedder,
      questions,
      baseline: { chunking, retrieval: { k: 4, mode: 'hybrid' as const } },
      rechunk: { root, maxReindex: 2 },
    };
    const first = await tuneRetrieval(options);
    expect(first.chunkings.map((c) => c.source)).toEqual(['collection', 'variant', 'variant']);
    expect(first.chunkings.slice(1).every((c) => !c.cached && c.chunks > 0)).toBe(true);
    expect(first.notes.filter((n) => n.includes('--max-reindex 2'))).toHaveLength(4);
    // 3 chunkings × 11 query settings, best first; the baseline is today's default
    expect(first.tried).toHaveLength(33);
    expect(first.baseline).toMatchObject({ mode: 'hybrid', chunking, rerank: false, k: 4 });
    expect(first.baseline.fusion).toBeUndefined();
    for (const tried of first.tried) expect(first.best.ndcg).toBeGreaterThanOrEqual(tried.ndcg);
    expect(first.best.ndcg).toBeGreaterThan(0.5);
    expect([3, 5, 8]).toContain(first.chosen.k);
    expect(first.chosen.rerank).toBeUndefined(); // not searched: the config's setting stays
    expect(await collection()).toEqual(before);

    embedder.texts = 0;
    const again = await tuneRetrieval({ ...options, rechunk: { root, maxReindex: 0 } });
    expect(again.chunkings.slice(1).map((c) => c.cached)).toEqual([true, true]);
    expect(embedder.texts).toBe(questions.length); // the questions only: no chunk embedded again
    expect(again.tried.map((t) => [t.label, t.ndcg])).toEqual(first.tried.map((t) => [t.label, t.ndcg]));
  });

  it('measures reranking only on the best configurations, one grade per candidate', async () => {
    // the grader knows the answer: 3 for a passage that names the question's city with "built", else 0
    const generator = scriptedGenerator(({ prompt }) => {
      const city = /When was the (\w+) lighthouse/.exec(prompt)?.[1];
      const passage = prompt.slice(prompt.indexOf('<<<'));
      return JSON.stringify({ relevant: true, score: passage.includes(`${city} lighthouse was built`) ? 3 : 0 });
    });
    const result = await tuneRetrieval({
      store,
      embedder,
      questions,
      baseline: { chunking, retrieval: { k: 4, mode: 'hybrid' } },
      reranker: llmReranker(generator),
      rerankTop: 2,
    });
    const reranked = result.tried.filter((t) => t.rerank);
    expect(reranked).toHaveLength(2);
    expect(generator.requests.length).toBeGreaterThan(0);
    expect(generator.requests.length).toBeLessThanOrEqual(2 * questions.length * 10);
    for (const t of reranked) expect(t.ndcg, t.label).toBe(1);
    const plain = result.tried.find((t) => !t.rerank)!;
    // the reranker is chosen only when it beats the best configuration without it
    expect(result.chosen.rerank).toBe(plain.ndcg < 1);
    expect(result.best.ndcg).toBe(1);
  });

  it('generates judgeable questions from the collection when there is no question file', async () => {
    const generated = await generatedQuestions(store, { max: 5 });
    expect(generated).toHaveLength(5);
    for (const q of generated) {
      expect(q.goldDocIds).toHaveLength(1);
      expect(q.question.startsWith('Complete')).toBe(false);
      const doc = readFileSync(join(home, 'corpus', q.goldDocIds![0]!), 'utf8');
      expect(doc.replace(/\s+/g, ' ')).toContain(`${q.question} ${q.answers[0]}`);
    }
  });
});

describe('applying a choice', () => {
  it('writes the config atomically, keeping other fields, and refuses to overwrite a broken file', async () => {
    const path = join(home, 'attune.config.json');
    writeFileSync(
      path,
      JSON.stringify({ generator: { provider: 'llama', threads: 2 }, retrieval: { minVectorScore: 0.2 } }),
    );
    await writeRetrievalChoice(path, {
      chunking: { maxTokens: 120, overlapTokens: 0 },
      k: 5,
      mode: 'hybrid',
      fusion: { method: 'convex', weight: 0.7 },
      rerank: false,
    });
    const config = loadConfig({ path });
    expect(config.generator).toEqual({ provider: 'llama', threads: 2 });
    expect(config.retrieval).toMatchObject({
      k: 5,
      mode: 'hybrid',
      minVectorScore: 0.2,
      fusion: { method: 'convex', weight: 0.7 },
    });
    expect(config.chunking).toEqual({ maxTokens: 120, overlapTokens: 0 });
    // plain RRF is no longer the default, so choosing it must be written; choosing the default leaves it out
    const hybrid = { chunking, k: 4, mode: 'hybrid' as const, rerank: false };
    await writeRetrievalChoice(path, { ...hybrid, fusion: { method: 'rrf' } });
    expect(JSON.parse(readFileSync(path, 'utf8')).retrieval.fusion).toEqual({ method: 'rrf' });
    await writeRetrievalChoice(path, { ...hybrid, fusion: { method: 'convex', weight: 0.5 } });
    expect(JSON.parse(readFileSync(path, 'utf8')).retrieval.fusion).toBeUndefined();
    writeFileSync(path, '{ broken');
    await expect(writeRetrievalChoice(path, { chunking, k: 3, mode: 'vector', rerank: false })).rejects.toThrow(
      /not valid JSON/,
    );
    expect(readFileSync(path, 'utf8')).toBe('{ broken');
  });

  it('re-indexes a collection with a variant’s chunks in one write', async () => {
    const target = await openStore({
      home,
      collection: 'copy',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: true,
    });
    await ingest({ paths: [join(home, 'corpus')], store: target, embedder, chunking, cacheDir: join(home, 'cache2') });
    const { documents, missing } = await sourceDocuments(target);
    expect(missing).toEqual([]);
    const variant = await chunkingVariant({
      root: join(home, 'tuning'),
      documents,
      embedder,
      chunking: { maxTokens: 16, overlapTokens: 0 },
    });
    try {
      const before = (await target.documents()).reduce((s, d) => s + d.chunks, 0);
      expect(await replaceChunks(target, variant.store)).toBe(variant.chunks);
      const after = await target.documents();
      expect(after.reduce((s, d) => s + d.chunks, 0)).toBe(variant.chunks);
      expect(variant.chunks).toBeGreaterThan(before);
      expect(after.map((d) => d.docId)).toEqual(documents.map((d) => d.docId));
      const [hit] = await target.search({ mode: 'keyword', text: 'Tessik lighthouse built', k: 1 });
      expect(hit!.docId).toBe('tessik.md');
    } finally {
      await variant.store.dispose();
      await target.dispose();
    }
  });

  it('builds a variant with contextual headers the way ingest would: the same vectors as an ingest with them', async () => {
    const headed = { ...chunking, contextHeaders: true };
    const target = await openStore({
      home,
      collection: 'headed',
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: true,
    });
    await ingest({
      paths: [join(home, 'corpus')],
      store: target,
      embedder,
      chunking: headed,
      cacheDir: join(home, 'cache3'),
    });
    const { documents } = await sourceDocuments(target);
    const variant = await chunkingVariant({ root: join(home, 'tuning-headed'), documents, embedder, chunking: headed });
    const plain = await chunkingVariant({ root: join(home, 'tuning-headed'), documents, embedder, chunking });
    const vectors = async (from: Store) => {
      const byId = new Map<string, number[]>();
      for await (const page of from.exportChunks()) for (const c of page) byId.set(c.chunkId, [...c.vector]);
      return byId;
    };
    try {
      const [ingested, built, unheaded] = [
        await vectors(target),
        await vectors(variant.store),
        await vectors(plain.store),
      ];
      expect(built.size).toBe(ingested.size);
      for (const [id, vector] of ingested) expect(built.get(id)).toEqual(vector);
      const harbour = (await target.search({ mode: 'keyword', text: 'herring cod Quell', k: 1 }))[0]!;
      expect(unheaded.get(harbour.chunkId)).not.toEqual(built.get(harbour.chunkId));
    } finally {
      await variant.store.dispose();
      await plain.store.dispose();
      await target.dispose();
    }
  });
});
