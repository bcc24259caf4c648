/**
 * npm run bench:retrieval — clapnq dev: the passages of all 600 questions as the corpus, the 300
 * answerable questions as queries, each question's gold passage (passages[0]) as the relevant document.
 * Prints recall@1/5/10, MRR and nDCG@10 for keyword, vector and hybrid search, and query latency.
 * `--embedder NAME` picks another transformers.js model folder under the models cache.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { openCollection } from '../src/runtime/backends.ts';
import { importClapnq } from '../src/dataset/importers/clapnq.ts';
import { writeImport } from '../src/dataset/import.ts';
import { ndcg, recallAtK, reciprocalRank } from '../src/evaluate/metrics/retrieval.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { withEmptyQueryCache } from '../src/retrieve/query-vectors.ts';
import { retrieve } from '../src/retrieve/retrieve.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';

const loadAtStart = loadavg()[0]!;
const datasets = join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'clapnq');
const files = ['clapnq_dev_answerable.jsonl', 'clapnq_dev_unanswerable.jsonl'].map((name) => ({
  file: join(datasets, name),
  text: readFileSync(join(datasets, name), 'utf8'),
}));
const imported = importClapnq(files);
const out = mkdtempSync(join(tmpdir(), 'attune-bench-retrieval-'));
const { corpusDir } = await writeImport(out, imported);
const questions = imported.questions.filter((q) => q.answerable !== false && q.goldDocIds?.length);

const embedderFlag = process.argv.indexOf('--embedder');
const embedderModel = embedderFlag > 0 ? process.argv[embedderFlag + 1] : undefined;
const config = parseConfig(embedderModel ? { embedder: { provider: 'transformers', model: embedderModel } } : {});
const { store, embedder } = await openCollection(config, join(out, 'home'), 'clapnq', { create: true });
const ingestStarted = performance.now();
const ingested = await ingest({
  paths: [corpusDir],
  store,
  embedder,
  chunking: config.chunking,
  cacheDir: join(out, 'cache'),
});
const ingestSeconds = (performance.now() - ingestStarted) / 1000;
console.log(
  `corpus: ${ingested.added} passages, ${ingested.chunks} chunks, ingested in ${ingestSeconds.toFixed(1)} s; ${questions.length} answerable questions`,
);

const rows: (string | number)[][] = [];
for (const mode of ['keyword', 'vector', 'hybrid'] as const) {
  const scores = { r1: 0, r5: 0, r10: 0, mrr: 0, ndcg: 0 };
  const latencies: number[] = [];
  // every mode times its queries cold (attune caches query vectors per embedder)
  const cold = withEmptyQueryCache(embedder);
  for (const question of questions) {
    const started = performance.now();
    // 30 chunks → the first 10 distinct documents (a passage can span several chunks)
    const { hits } = await retrieve(store, cold, question.question, { k: 30, mode });
    latencies.push(performance.now() - started);
    const gold = question.goldDocIds!;
    scores.r1 += recallAtK(hits, gold, 1)!;
    scores.r5 += recallAtK(hits, gold, 5)!;
    scores.r10 += recallAtK(hits, gold, 10)!;
    scores.mrr += reciprocalRank(hits, gold)!;
    scores.ndcg += ndcg(hits, gold, 10)!;
  }
  const n = questions.length;
  rows.push([
    mode,
    scores.r1 / n,
    scores.r5 / n,
    scores.r10 / n,
    scores.mrr / n,
    scores.ndcg / n,
    percentileOf(latencies, 50),
    percentileOf(latencies, 95),
  ]);
}
await store.dispose();
await embedder.dispose();

const table = markdownTable(['mode', 'recall@1', 'recall@5', 'recall@10', 'MRR', 'nDCG@10', 'p50 ms', 'p95 ms'], rows);
console.log(table);
const [keyword, vector, hybrid] = rows.map((r) => r[5] as number);
const verdict = hybrid! >= Math.max(keyword!, vector!) ? 'met' : 'not met';
appendBenchmark(
  `Retrieval quality on clapnq (bench:retrieval, ${embedder.id})`,
  `npm run bench:retrieval${embedderModel ? ` -- --embedder ${embedderModel}` : ''}`,
  `Corpus: the gold passages of all 600 clapnq dev questions (${ingested.added} distinct passages, ${ingested.chunks} chunks of ≤ ${config.chunking.maxTokens} MiniLM tokens); queries: the ${questions.length} answerable questions; relevant document: each question's passages[0]. Embedder ${embedder.id}, LanceDB BM25 + cosine, hybrid = reciprocal rank fusion (k = 60). Latency is one query end to end (embed + search), exact search (no ANN index at this size). Ingest (parse, chunk, embed, store) took ${ingestSeconds.toFixed(1)} s (${(ingested.chunks / ingestSeconds).toFixed(0)} chunks/s); 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)} (above 2: other work shared the cores).\n\n${table}\n\nTarget "hybrid nDCG@10 ≥ the better of keyword and vector": ${verdict} (${hybrid!.toFixed(3)} vs ${Math.max(keyword!, vector!).toFixed(3)}).`,
);
