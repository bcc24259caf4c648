import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { EvalRow } from '../evaluate/row.ts';
import { readJsonLines } from '../io/jsonl.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { formatQuestions, type Question } from '../dataset/questions.ts';
import { importFictionalKnowledge } from '../dataset/importers/fictional-knowledge.ts';
import type { Embedder } from '../embed/embedder.ts';
import { defaultPrices } from '../evaluate/metrics/cost.ts';
import { ingest } from '../ingest/ingest.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import { datasetsDir } from '../testing/datasets.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { StepCache } from './cache.ts';
import { runCompare } from './compare.ts';
import { findLeaks } from './leakage.ts';
import { parsePriorities } from './recommend.ts';
import { developmentQuestions, tuneRetrievalForCompare } from './retrieval-tuning.ts';
import { renderCompareHtml } from './report-html.ts';
import { renderCompareSummary } from './summary.ts';

// Fictional-knowledge documents; the held-out questions are their memorisation probes, which are cut from the
// documents' own sentences — exactly what the generated development questions are made of, so leaks must go.
let dir: string;
let heldOut: Question[];
let store: Store;
const embedded: string[] = [];
const recording = (inner: Embedder): Embedder => ({
  id: inner.id,
  dimension: inner.dimension,
  maxTokens: inner.maxTokens,
  countTokens: (text) => inner.countTokens(text),
  embed: (texts, options) => {
    embedded.push(...texts);
    return inner.embed(texts, options);
  },
  dispose: () => Promise.resolve(),
});
const embedder = recording(hashingEmbedder());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-rag-tuned-'));
  const source = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  const records = (JSON.parse(await readFile(source, 'utf8')) as unknown[]).slice(0, 4);
  const imported = importFictionalKnowledge([{ file: source, text: JSON.stringify(records) }]);
  await mkdir(join(dir, 'corpus'));
  for (const doc of imported.documents) await writeFile(join(dir, 'corpus', doc.path), doc.text);
  heldOut = imported.questions.filter((q) => q.tags?.includes('mem'));
  await writeFile(join(dir, 'questions.jsonl'), formatQuestions(heldOut.slice(0, 8)));
  store = await openStore({
    home: dir,
    collection: 'kit',
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  await ingest({
    paths: [join(dir, 'corpus')],
    store,
    embedder,
    chunking: { maxTokens: 120, overlapTokens: 16 },
    cacheDir: join(dir, 'cache'),
  });
});
afterAll(async () => {
  await store?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('rag-tuned: development questions', () => {
  it('are disjoint from the held-out ones: no shared id or text, and no leak left', async () => {
    const { dev, dropped } = await developmentQuestions(store, heldOut);
    expect(dev.length).toBeGreaterThan(10);
    expect(dropped).toBeGreaterThan(0); // the probes are the documents' sentences: some generated ones leaked
    const ids = new Set(heldOut.map((q) => q.id));
    const texts = new Set(heldOut.map((q) => q.question.toLowerCase()));
    expect(dev.filter((q) => ids.has(q.id) || texts.has(q.question.toLowerCase()))).toEqual([]);
    expect(
      findLeaks(
        dev.map((q, i) => ({ line: i + 1, prompt: q.question, completion: q.answers[0]! })),
        heldOut,
      ),
    ).toEqual([]);
  });

  it('the tuning never embeds (so never searches) a held-out question', async () => {
    embedded.length = 0;
    const result = await tuneRetrievalForCompare({
      cache: new StepCache(join(dir, 'step-cache')),
      store,
      embedder,
      heldOut,
      config: {
        retrieval: { k: 4, mode: 'hybrid', minVectorScore: 0.3, rerank: false },
        chunking: { maxTokens: 120, overlapTokens: 16 },
      },
    });
    expect(embedded.length).toBe(result.report.devQuestions);
    const texts = new Set(heldOut.map((q) => q.question));
    expect(embedded.filter((text) => texts.has(text))).toEqual([]);
    expect([3, 5, 8]).toContain(result.retrieval.k);
    expect(result.report.chosen.ndcg).toBeGreaterThanOrEqual(result.report.baseline.ndcg);
    expect(result.cached).toBe(false);
    const again = await tuneRetrievalForCompare({
      cache: new StepCache(join(dir, 'step-cache')),
      store,
      embedder,
      heldOut,
      config: {
        retrieval: { k: 4, mode: 'hybrid', minVectorScore: 0.3, rerank: false },
        chunking: { maxTokens: 120, overlapTokens: 16 },
      },
    });
    expect(again).toEqual({ ...result, cached: true });
  });
});

describe('compare with rag-tuned', () => {
  it('tunes before evaluating, answers with the chosen settings and reports them in JSON, text and HTML', async () => {
    const config = parseConfig({ retrieval: { k: 2 } });
    const generator = scriptedGenerator('I do not know.');
    const runtime = createRuntime({
      config,
      home: join(dir, 'server-home'),
      factories: { embedder: async () => hashingEmbedder(), generator: async () => generator, store: openStore },
    });
    try {
      const result = await runCompare({
        corpus: join(dir, 'corpus'),
        questions: join(dir, 'questions.jsonl'),
        priorities: parsePriorities('accuracy=high'),
        strategies: ['rag', 'rag-tuned'],
        repeats: 1,
        out: join(dir, 'out'),
        config,
        env: process.env,
        maxTokens: 16,
        metric: 'f1',
        base: '',
        prices: defaultPrices('llama', ''),
        training: { ft: { epochs: 1, maxSeqLen: 256 }, raft: { epochs: 1, maxSeqLen: 1024 } },
        runtime,
      });
      expect(Object.keys(result.strategies)).toEqual(['rag', 'rag-tuned']);
      expect(result.strategies['rag-tuned']!.metrics.questions).toBe(8);
      expect(result.steps.map((s) => s.step)).toContain('tune retrieval');
      const tuning = result.retrievalTuning!;
      expect(tuning.baseline.k).toBe(2);
      expect(tuning.scope).toMatch(/query-time settings only/);
      // rag answered from its configured k = 2 chunks, rag-tuned from the tuned k (3, 5 or 8)
      const rows = (await readdir(join(dir, 'out', 'cache')))
        .filter((name) => name.startsWith('eval-') && name.endsWith('.jsonl'))
        .map(async (name) => readJsonLines<EvalRow>(await readFile(join(dir, 'out', 'cache', name), 'utf8')));
      const all = (await Promise.all(rows)).flat();
      const most = (strategy: string) =>
        Math.max(...all.filter((r) => r.strategy === strategy).map((r) => r.retrieved?.length ?? 0));
      expect(most('rag')).toBe(2);
      expect(most('rag-tuned')).toBe(tuning.chosen.k);
      expect(renderCompareSummary(result)).toContain(`rag-tuned: ${tuning.chosen.label}, k ${tuning.chosen.k}`);
      expect(renderCompareHtml(result)).toContain('rag-tuned: retrieval settings');
    } finally {
      await runtime.dispose();
    }
  }, 60_000);
});
