/**
 * npm run bench:rag-tuned — does tuning retrieval on a development split pay off on questions it never saw?
 * clapnq dev (default): the passages of all 600 questions as the corpus, the 300 answerable questions split
 * dev/test by id hash (--dev-fraction, default 0.5). `attune tune-retrieval`'s search (chunking, mode, fusion, k;
 * --rerank adds the LLM reranker) runs on dev only; the test half then compares default hybrid (RRF, config
 * chunking) with the tuned settings by nDCG@10, paired bootstrap over the test questions, vector-only beside them.
 * `--dataset fictional-knowledge` uses the 130 fictional documents and their generalisation probes instead;
 * `--dataset covid-faq` the 213 COVID-19 FAQs (CDC, WHO, …): each answer is a document, its question the query
 * (a question asked by several sources is kept once).
 * `--limit N` takes the first N records of each file (a quick check; nothing is appended to BENCHMARKS.md with it).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { importClapnq } from '../src/dataset/importers/clapnq.ts';
import { importFictionalKnowledge } from '../src/dataset/importers/fictional-knowledge.ts';
import { writeImport } from '../src/dataset/import.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { describeChunking, describeKnobs } from '../src/retrieve/tuning/grid.ts';
import { measureSettings } from '../src/retrieve/tuning/measure.ts';
import { judgeableQuestions } from '../src/retrieve/tuning/questions.ts';
import { tuneOnSplit } from '../src/retrieve/tuning/run.ts';
import { splitQuestions } from '../src/retrieve/tuning/split.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { importCovidFaq } from './covid-faq.ts';

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dataset = flag('--dataset') ?? 'clapnq';
const limit = flag('--limit') ? Number(flag('--limit')) : undefined;
const devFraction = Number(flag('--dev-fraction') ?? 0.5);
const maxReindex = Number(flag('--max-reindex') ?? 6);
const rerank = process.argv.includes('--rerank');
const loadAtStart = loadavg()[0]!;
const datasets = join(import.meta.dirname, '..', '..', 'shared', 'datasets');
const slice = (text: string) => (limit ? text.split('\n').slice(0, limit).join('\n') : text);

function load() {
  if (dataset === 'clapnq') {
    const names = ['clapnq_dev_answerable.jsonl', 'clapnq_dev_unanswerable.jsonl'];
    const files = names.map((name) => ({
      file: name,
      text: slice(readFileSync(join(datasets, 'clapnq', name), 'utf8')),
    }));
    return importClapnq(files);
  }
  if (dataset === 'fictional-knowledge') {
    const file = join(datasets, 'fictional-knowledge', 'fictional_knowledge.json');
    const records = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    const imported = importFictionalKnowledge([
      { file, text: JSON.stringify(limit ? records.slice(0, limit) : records) },
    ]);
    return { ...imported, questions: imported.questions.filter((q) => q.tags?.includes('gen')) };
  }
  if (dataset === 'covid-faq') return importCovidFaq(limit);
  throw new Error(`--dataset must be clapnq, fictional-knowledge or covid-faq, got ${dataset}`);
}

const imported = load();
const out = mkdtempSync(join(tmpdir(), 'attune-bench-rag-tuned-'));
const { corpusDir } = await writeImport(out, imported);
const questions = judgeableQuestions(imported.questions).filter((q) => q.goldDocIds?.length);
const config = parseConfig({});
const runtime = createRuntime({ config, home: join(out, 'home') });
const started = performance.now();
try {
  const { store, embedder } = await runtime.collection('bench', { create: true });
  const ingested = await ingest({
    paths: [corpusDir],
    store,
    embedder,
    chunking: config.chunking,
    cacheDir: join(out, 'cache'),
  });
  console.log(
    `${dataset}: ${ingested.added} documents, ${ingested.chunks} chunks; ${questions.length} questions with gold documents`,
  );
  const result = await tuneOnSplit({
    store,
    embedder,
    questions,
    devFraction,
    baseline: { chunking: config.chunking, retrieval: config.retrieval },
    rechunk: { root: join(out, 'tuning'), maxReindex },
    reranker: rerank ? await runtime.reranker() : undefined,
    onProgress: (phase, done, total) => {
      if (done === total) console.log(`  ${phase}: ${total}`);
    },
  });
  const { heldOut: test } = splitQuestions(questions, devFraction);
  const vector = await measureSettings({ store, embedder, questions: test, knobs: { mode: 'vector' } });
  const check = result.heldOut!;
  const { chosen } = result;
  const tuned = `${describeChunking(chosen.chunking)} ${describeKnobs(chosen)}${chosen.rerank ? ' +rerank' : ''}, k ${chosen.k}`;
  const table = markdownTable(
    ['settings', 'dev nDCG@10', 'test nDCG@10'],
    [
      [`default: ${result.baseline.label}`, result.baseline.ndcg, check.baseline],
      [`tuned: ${tuned}`, result.best.ndcg, check.chosen],
      [`vector only, ${describeChunking(config.chunking)}`, '–', vector.ndcg],
    ],
  );
  const t = check.test!;
  const verdict = `tuned − default on test: ${t.difference >= 0 ? '+' : ''}${t.difference.toFixed(3)} nDCG@10, 95% CI [${t.low.toFixed(3)}, ${t.high.toFixed(3)}], paired bootstrap p = ${t.p.toFixed(3)} (n = ${t.n})`;
  const minutes = (performance.now() - started) / 60_000;
  console.log(
    `\n${table}\n\n${verdict}\n${result.tried.length} settings tried on ${result.split.dev} dev questions in ${minutes.toFixed(1)} min`,
  );
  for (const note of result.notes) console.log(`note: ${note}`);
  if (limit === undefined && !process.argv.includes('--no-append'))
    appendBenchmark(
      `Tuned retrieval on ${dataset} (bench:rag-tuned, ${embedder.id})`,
      `npm run bench:rag-tuned -- --dataset ${dataset} --dev-fraction ${devFraction}${rerank ? ' --rerank' : ''}`,
      `Corpus: ${ingested.added} documents (${ingested.chunks} chunks); ${questions.length} questions with gold documents split by id hash into ${result.split.dev} dev / ${result.split.heldOut} test. The search (chunking {size, half, double} × overlap {0, 15%} — ${result.chunkings.length} tried, mode, fusion rrf / weighted-rrf / convex with vector weight 0.3–0.9, k ∈ {3, 5, 8}${rerank ? ', LLM rerank on the best 2' : ''}) saw only dev. ${minutes.toFixed(1)} min; 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)}.\n\n${table}\n\n${verdict}.`,
    );
} finally {
  await runtime.dispose();
}
