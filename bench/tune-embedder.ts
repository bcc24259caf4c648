/**
 * npm run bench:tune-embedder — does fine-tuning the embedder on a collection's questions retrieve better on
 * documents it never trained on? For each dataset: ingest with the default MiniLM, `tuneEmbedder` (pairs split by
 * document, `--dev-fraction` of the documents train, the rest are held out and never seen — not even as hard
 * negatives), then nDCG@10 / recall@10 of exact vector search before and after on the held-out documents' questions,
 * paired bootstrap.
 *   clapnq: the answerable dev questions with their gold passages (labelled pairs); the unanswerable ones' passages
 *     are distractors in the corpus.
 *   fictional-knowledge: cloze questions generated from the documents; also scored on the dataset's own
 *     generalisation probes (paraphrased cloze prompts) of the held-out documents.
 * `--limit N` takes the first N records of each file; `--dataset clapnq|fictional-knowledge` runs one;
 * `--append` writes the section to BENCHMARKS.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { writeImport } from '../src/dataset/import.ts';
import { importClapnq } from '../src/dataset/importers/clapnq.ts';
import { importFictionalKnowledge, PROBE_PREFIX } from '../src/dataset/importers/fictional-knowledge.ts';
import type { ImportResult } from '../src/dataset/importers/import-result.ts';
import { formatQuestions, isAnswerable } from '../src/dataset/questions.ts';
import { TransformersEmbedder } from '../src/embed/transformers-embedder.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { ensurePythonEnv } from '../src/models/python-env.ts';
import { createRuntime } from '../src/runtime/runtime.ts';
import { compareScores, embedChunks, scoreRetrieval } from '../src/tune/embedder/evaluate.ts';
import type { EmbedderMeta } from '../src/tune/embedder/registry.ts';
import { trainableBase, tuneEmbedder } from '../src/tune/embedder/tune-embedder.ts';
import type { ChunkRecord } from '../src/types.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const datasets = flag('--dataset') ? [flag('--dataset')!] : ['clapnq', 'fictional-knowledge'];
const limit = flag('--limit') ? Number(flag('--limit')) : undefined;
const devFraction = Number(flag('--dev-fraction') ?? 0.8);
const epochs = Number(flag('--epochs') ?? 1);
const maxPairs = Number(flag('--max-pairs') ?? 2000);
const batchSize = Number(flag('--batch-size') ?? 16);
const root = join(import.meta.dirname, '..', '..', 'shared', 'datasets');
const slice = (text: string) => (limit ? text.split('\n').slice(0, limit).join('\n') : text);
const loadAtStart = loadavg();

function load(dataset: string): ImportResult {
  if (dataset === 'clapnq')
    return importClapnq(
      ['clapnq_dev_answerable.jsonl', 'clapnq_dev_unanswerable.jsonl'].map((file) => ({
        file,
        text: slice(readFileSync(join(root, 'clapnq', file), 'utf8')),
      })),
    );
  if (dataset === 'fictional-knowledge') {
    const file = join(root, 'fictional-knowledge', 'fictional_knowledge.json');
    const records = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    return importFictionalKnowledge([{ file, text: JSON.stringify(limit ? records.slice(0, limit) : records) }]);
  }
  throw new Error(`--dataset must be clapnq or fictional-knowledge, got ${dataset}`);
}

interface Row {
  dataset: string;
  questions: string;
  meta: EmbedderMeta;
  scores: NonNullable<EmbedderMeta['heldOut']>;
  documents: number;
}

const rows: Row[] = [];
const started = performance.now();
for (const dataset of datasets) {
  const imported = load(dataset);
  const out = mkdtempSync(join(tmpdir(), `attune-bench-tune-embedder-${dataset}-`));
  const config = parseConfig({});
  const runtime = createRuntime({ config, home: join(out, 'home') });
  try {
    const { corpusDir } = await writeImport(out, imported);
    const { store, embedder } = await runtime.collection('bench', { create: true });
    const ingested = await ingest({
      paths: [corpusDir],
      store,
      embedder,
      chunking: config.chunking,
      cacheDir: join(out, 'cache'),
    });
    let source: Parameters<typeof tuneEmbedder>[0]['source'] = { generate: 'cloze' };
    if (dataset === 'clapnq') {
      const labelled = imported.questions.filter((q) => isAnswerable(q) && q.goldDocIds?.length);
      const file = join(out, 'labelled.jsonl');
      writeFileSync(file, formatQuestions(labelled));
      source = { file };
    }
    console.log(`${dataset}: ${ingested.added} documents, ${ingested.chunks} chunks`);
    const result = await tuneEmbedder({
      home: runtime.home,
      name: `bench-${dataset}`,
      collection: 'bench',
      store,
      embedder,
      baseDir: trainableBase(config),
      python: await ensurePythonEnv(),
      source,
      maxPairs,
      devFraction,
      epochs,
      batchSize,
      lr: 2e-5,
      seed: 7,
      onProgress: (phase, done, total) => {
        if (done === total) console.log(`  ${phase}: ${total}`);
      },
    });
    const { meta } = result;
    const questions = dataset === 'clapnq' ? 'labelled (gold passage)' : 'generated cloze';
    rows.push({ dataset, questions: `held-out ${questions}`, meta, scores: meta.heldOut!, documents: ingested.added });
    if (dataset === 'fictional-knowledge') {
      // the dataset's own paraphrased probes of the held-out documents: questions no step generated
      const held = new Set(result.heldOutDocuments);
      const probes = imported.questions
        .filter((q) => q.tags?.includes('gen') && q.goldDocIds?.some((d) => held.has(d)))
        .map((q) => ({ question: q.question.replace(PROBE_PREFIX, ''), goldDocIds: q.goldDocIds! }));
      const chunks: ChunkRecord[] = [];
      for await (const page of store.exportChunks()) chunks.push(...page);
      const tuned = await TransformersEmbedder.load({ model: meta.name, modelsDir: join(runtime.home, 'embedders') });
      try {
        const before = await scoreRetrieval(embedder, chunks, probes);
        const after = await scoreRetrieval(tuned, await embedChunks(tuned, chunks), probes);
        const scores = compareScores(before, after);
        rows.push({ dataset, questions: 'held-out gen probes', meta, scores, documents: ingested.added });
      } finally {
        await tuned.dispose();
      }
    }
  } finally {
    await runtime.dispose();
    rmSync(out, { recursive: true, force: true });
  }
}

const f = (n: number) => n.toFixed(3);
const table = markdownTable(
  [
    'dataset',
    'docs train / held out',
    'pairs train (hard neg.)',
    'questions',
    'n',
    'nDCG@10 before → after',
    'recall@10 before → after',
    'Δ nDCG@10 [95% CI]',
    'p',
    'train s',
  ],
  rows.map((r) => [
    r.dataset,
    `${r.meta.data.documents.train} / ${r.meta.data.documents.heldOut} (of ${r.documents})`,
    `${r.meta.data.pairs.train} (${r.meta.data.pairs.withNegative})`,
    r.questions,
    r.scores.questions,
    `${f(r.scores.before.ndcg10)} → ${f(r.scores.after.ndcg10)}`,
    `${f(r.scores.before.recall10)} → ${f(r.scores.after.recall10)}`,
    `${r.scores.test!.difference >= 0 ? '+' : ''}${f(r.scores.test!.difference)} [${f(r.scores.test!.low)}, ${f(r.scores.test!.high)}]`,
    f(r.scores.test!.p),
    r.meta.trainSeconds.toFixed(0),
  ]),
);
const minutes = (performance.now() - started) / 60_000;
const loadNote = `1-minute load average at start and end: ${loadAtStart[0]!.toFixed(1)} and ${loadavg()[0]!.toFixed(1)}`;
console.log(`\n${table}\n\n${minutes.toFixed(1)} min; ${loadNote}`);
if (process.argv.includes('--append'))
  appendBenchmark(
    'Fine-tuned embedder (bench:tune-embedder, all-MiniLM-L6-v2, MNRL + 1 hard negative)',
    `npm run bench:tune-embedder -- ${process.argv.slice(2).join(' ')}`,
    `Pairs split by document (${devFraction} of the documents train; held-out documents are never a positive or a hard negative); exact vector search over every chunk, document-level nDCG@10 / recall@10, paired bootstrap (5,000 resamples) after − before. ${epochs} epoch(s), batch ${batchSize}, lr 2e-5.${limit ? ` First ${limit} records of each file.` : ''} ${minutes.toFixed(1)} min; ${loadNote}.\n\n${table}`,
  );
