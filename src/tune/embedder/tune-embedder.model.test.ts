import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/config.ts';
import { importFictionalKnowledge } from '../../dataset/importers/fictional-knowledge.ts';
import { writeImport } from '../../dataset/import.ts';
import { TransformersEmbedder } from '../../embed/transformers-embedder.ts';
import { ingest } from '../../ingest/ingest.ts';
import { ensurePythonEnv } from '../../models/python-env.ts';
import { maxDeviation, type EmbeddingReference } from '../../models/verify-embedder.ts';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { copyCollection } from '../../store/copy.ts';
import { datasetsDir } from '../../testing/datasets.ts';
import { readJsonLines } from '../../io/jsonl.ts';
import type { TrainingRow } from './negatives.ts';
import { loadEmbedderMeta } from './registry.ts';
import { trainableBase, tuneEmbedder, type TuneEmbedderResult } from './tune-embedder.ts';

// one tiny run end to end on the real MiniLM: 12 fictional-knowledge documents, 24 cloze pairs, 1 epoch
let dir: string;
let runtime: Runtime;
let result: TuneEmbedderResult;
const config = parseConfig({});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-tune-embedder-'));
  const file = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  const records = (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).slice(0, 12);
  const { corpusDir } = await writeImport(dir, importFictionalKnowledge([{ file, text: JSON.stringify(records) }]));
  runtime = createRuntime({ config, home: join(dir, 'home') });
  const { store, embedder } = await runtime.collection('fk', { create: true });
  await ingest({ paths: [corpusDir], store, embedder, chunking: config.chunking, cacheDir: join(dir, 'cache') });
  result = await tuneEmbedder({
    home: runtime.home,
    name: 'fk-ft',
    collection: 'fk',
    store,
    embedder,
    baseDir: trainableBase(config),
    python: await ensurePythonEnv(),
    source: { generate: 'cloze' },
    maxPairs: 32,
    devFraction: 0.75,
    epochs: 1,
    batchSize: 8,
    lr: 2e-5,
    seed: 7,
  });
});

afterAll(async () => {
  await runtime?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tune-embedder on the real MiniLM (one epoch, a few pairs)', () => {
  it('registers an ONNX export that transformers.js loads and that matches the trained PyTorch model', async () => {
    const { folder, meta } = result;
    expect(existsSync(join(folder, 'onnx', 'model.onnx'))).toBe(true);
    expect(meta.export.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    // checked again here, independently: the registered folder, loaded by name like `--embedder` does
    const tuned = await TransformersEmbedder.load({ model: 'fk-ft', modelsDir: join(runtime.home, 'embedders') });
    const base = await runtime.embedder();
    try {
      const reference = JSON.parse(await readFile(join(folder, 'reference.json'), 'utf8')) as EmbeddingReference;
      expect(await maxDeviation(tuned, reference)).toBeLessThanOrEqual(1e-4);
      expect(tuned.id).toBe('fk-ft');
      expect(tuned.dimension).toBe(base.dimension);
      // it was trained: its vectors are no longer the base model's
      const [a] = await tuned.embed([reference.sentences[0]!]);
      const [b] = await base.embed([reference.sentences[0]!]);
      expect(Math.max(...Array.from(a!, (v, i) => Math.abs(v - b![i]!)))).toBeGreaterThan(1e-4);
    } finally {
      await tuned.dispose();
    }
  });

  it('writes meta.json with the data hash, pair counts, loss curve and before/after metrics on held-out documents', async () => {
    const meta = await loadEmbedderMeta(runtime.home, 'fk-ft');
    expect(meta).toEqual(result.meta);
    expect(meta.base.id).toBe('all-MiniLM-L6-v2');
    expect(meta.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.data.pairs.train).toBeGreaterThan(10);
    expect(meta.data.pairs.heldOut).toBeGreaterThan(0);
    expect(meta.lossCurve).toHaveLength(meta.steps);
    expect(meta.heldOut!.questions).toBeGreaterThan(0);
    for (const scores of [meta.heldOut!.before, meta.heldOut!.after]) {
      expect(scores.ndcg10).toBeGreaterThanOrEqual(0);
      expect(scores.ndcg10).toBeLessThanOrEqual(1);
      expect(scores.recall10).toBeGreaterThanOrEqual(scores.ndcg10 - 1e-9);
    }
    expect(meta.heldOut!.test!.p).toBeGreaterThan(0);
  });

  it('never trains on a held-out document, as a positive or as a negative', async () => {
    const rows = readJsonLines<TrainingRow>(await readFile(join(result.folder, 'train-pairs.jsonl'), 'utf8'));
    expect(rows).toHaveLength(result.meta.data.pairs.train);
    const { store } = await runtime.collection('fk');
    const heldOutTexts = new Set<string>();
    for (const docId of result.heldOutDocuments)
      for (const hit of await store.chunksOf(docId)) heldOutTexts.add(hit.text);
    expect(heldOutTexts.size).toBeGreaterThan(0);
    for (const row of rows) {
      expect(heldOutTexts.has(row.positive)).toBe(false);
      if (row.negative) expect(heldOutTexts.has(row.negative)).toBe(false);
    }
    expect(result.trainDocuments.filter((d) => result.heldOutDocuments.includes(d))).toEqual([]);
  });

  it('re-embeds the collection with it into a new one that opens with that embedder only', async () => {
    const tuned = await runtime.embedderFor({ provider: 'transformers', model: result.folder });
    const copy = await copyCollection({ home: runtime.home, from: 'fk', toCollection: 'fk-ft', embedder: tuned });
    const store = await runtime.store('fk-ft', { embedder: tuned });
    const [query] = await tuned.embed(['Who was the first leader?']);
    const hits = await store.search({ mode: 'vector', vector: query!, k: 3 });
    expect(hits).toHaveLength(3);
    expect(copy.chunks).toBeGreaterThan(0);
    // with the configured embedder it is refused, with the hint to pass the tuned one
    const plain = createRuntime({ config, home: runtime.home });
    try {
      await expect(plain.store('fk-ft')).rejects.toThrow(/was embedded with fk-ft .*--embedder NAME/);
    } finally {
      await plain.dispose();
    }
  });
});
