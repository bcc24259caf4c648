/**
 * npm run bench:fusion — does hybrid search lose to its own better list (issue #15 "fusion that does not lose"),
 * and which fusion should be the default? On clapnq, fictional-knowledge (gen probes), Spider dev schema cards
 * (loaded as bench:peers does) and covid-faq (as bench:rag-tuned): each corpus is ingested once per chunk-header
 * variant with the real embedder into LanceDB, each question's vector and keyword lists are fetched once (90 deep,
 * what a 30-chunk hybrid search reads), then vector, keyword, rrf (k = 60), weighted-rrf and convex (vector weight
 * 0.1–0.9) are all computed offline by the store's own fuseHybrid and scored by document nDCG@10 and recall@5 over
 * the best 30 chunks (as bench:retrieval and bench:peers).
 * The default is chosen by a rule fixed before the runs (bench/fusion-choice.ts): maximin margin over the
 * datasets, left out one at a time, then over all. Header variants (--headers): `off` embeds and keyword-indexes the
 * chunk text alone (the default), `embed+bm25` embeds and keyword-indexes "title > headings" + text
 * (chunking.contextHeaders), `embed` embeds it but keyword-indexes the text alone (an ablation, bench-only: the
 * contextHeaders ingest with each chunk's keywordText removed).
 *
 *   npm run bench:fusion -- [--datasets clapnq,fictional-knowledge,spider,covid-faq] [--headers off,embed,embed+bm25]
 *                           [--limit N] [--json FILE] [--append]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { writeImport } from '../src/dataset/import.ts';
import type { Embedder } from '../src/embed/embedder.ts';
import { pairedBootstrap } from '../src/evaluate/metrics/statistics.ts';
import { ingest } from '../src/ingest/ingest.ts';
import type { QuestionLists } from '../src/retrieve/tuning/measure.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/store.ts';
import type { ChunkRecord } from '../src/types.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { importCovidFaq } from './covid-faq.ts';
import {
  bestSingle,
  chooseFusion,
  type DatasetScores,
  leaveOneOut,
  margin,
  RANKED_CHUNKS,
  scoreMethods,
} from './fusion-choice.ts';
import { prepareDataset } from './peers/datasets.ts';

const DATASETS = ['clapnq', 'fictional-knowledge', 'spider', 'covid-faq'] as const;
const VARIANTS = ['off', 'embed', 'embed+bm25'] as const;
type Variant = (typeof VARIANTS)[number];
const { values: flags } = parseArgs({
  options: {
    datasets: { type: 'string', default: DATASETS.join(',') },
    headers: { type: 'string', default: 'off,embed+bm25' },
    /** The default embedder's weights: fp32, or q8 (its int8 file, \`embedder.dtype: q8\`). */
    dtype: { type: 'string', default: 'fp32' },
    limit: { type: 'string' },
    json: { type: 'string' },
    append: { type: 'boolean', default: false },
  },
});
const datasets = flags.datasets.split(',') as (typeof DATASETS)[number][];
const variants = flags.headers.split(',') as Variant[];
for (const d of datasets) if (!DATASETS.includes(d)) throw new Error(`--datasets: unknown "${d}"`);
for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--headers: unknown "${v}"`);
const limit = flags.limit ? Number(flags.limit) : undefined;
const log = (line: string) => process.stderr.write(`bench:fusion: ${line}\n`);
/** A hybrid search for 30 chunks reads each list this deep (the stores' rule: max(3k, 20)). */
const LIST_DEPTH = Math.max(RANKED_CHUNKS * 3, 20);

/** The embedder with every text embedded once per run: header variants share most chunks, and all the queries. */
function embedOnce(embedder: Embedder): Embedder {
  const vectors = new Map<string, Float32Array>();
  return {
    id: embedder.id,
    dimension: embedder.dimension,
    maxTokens: embedder.maxTokens,
    countTokens: (text) => embedder.countTokens(text),
    dispose: () => embedder.dispose(),
    async embed(texts, options) {
      const missing = [...new Set(texts.filter((text) => !vectors.has(text)))];
      for (let start = 0; start < missing.length; start += 32) {
        const batch = missing.slice(start, start + 32);
        (await embedder.embed(batch, options)).forEach((vector, i) => vectors.set(batch[i]!, vector));
      }
      return texts.map((text) => vectors.get(text)!);
    },
  };
}

async function load(name: (typeof DATASETS)[number], dir: string) {
  if (name !== 'covid-faq') return prepareDataset(name, dir, limit);
  const imported = importCovidFaq(limit);
  await writeImport(dir, imported);
  const questions = imported.questions.map((q) => ({ id: q.id, question: q.question, goldDocIds: q.goldDocIds! }));
  const description = `covid-faq: ${imported.documents.length} FAQ answers (no titles); queries: their ${questions.length} questions (as bench:rag-tuned)`;
  return { name, dir, documents: imported.documents.length, questions, description };
}

async function fetchLists(
  store: Store,
  queries: { question: string; vector: Float32Array }[],
): Promise<QuestionLists[]> {
  const lists: QuestionLists[] = [];
  for (const { question, vector } of queries)
    lists.push({
      vector: await store.search({ mode: 'vector', vector, k: LIST_DEPTH }),
      keyword: await store.search({ mode: 'keyword', text: question, k: LIST_DEPTH }),
    });
  return lists;
}

/** The embed ablation: the contextHeaders chunks written again without their keywordText (vectors kept). */
async function withoutKeywordHeaders(store: Store): Promise<void> {
  const upsert: ChunkRecord[] = [];
  for await (const page of store.exportChunks()) for (const { keywordText: _, ...record } of page) upsert.push(record);
  await store.write({ upsert, removeDocIds: [] });
}

const loadAtStart = loadavg()[0]!;
const started = performance.now();
const out = mkdtempSync(join(tmpdir(), 'attune-bench-fusion-'));
const config = parseConfig({ embedder: { provider: 'transformers', dtype: flags.dtype } });
const embedder = embedOnce(await createEmbedder(config));
const home = join(out, 'home');
const byVariant = new Map<Variant, DatasetScores[]>(variants.map((v) => [v, []]));
const notes: string[] = [];
try {
  for (const name of datasets) {
    const dataset = await load(name, join(out, name));
    const queryVectors = await embedder.embed(dataset.questions.map((q) => q.question));
    const queries = dataset.questions.map((q, i) => ({ question: q.question, vector: queryVectors[i]! }));
    const stores: Store[] = [];
    for (const variant of variants) {
      const variantStarted = performance.now();
      const collection = `${name}-${variant.replace('+', '-')}`;
      const store = await openStore({
        home,
        collection,
        embedderId: embedder.id,
        dimension: embedder.dimension,
        create: true,
      });
      const result = await ingest({
        paths: [join(dataset.dir, 'corpus')],
        store,
        embedder,
        chunking: { ...config.chunking, contextHeaders: variant !== 'off' },
        cacheDir: join(out, 'cache', collection),
      });
      if (result.failed.length) throw new Error(`${name}: could not ingest ${result.failed[0]!.path}`);
      if (variant === 'embed') await withoutKeywordHeaders(store);
      if (!notes.some((note) => note.startsWith(`${name}:`)))
        notes.push(`${name}: ${result.added} documents, ${result.chunks} chunks`);
      stores.push(store);
      const lists = await fetchLists(store, queries);
      byVariant.get(variant)!.push({ dataset: name, scores: scoreMethods(dataset.questions, lists) });
      log(`${name} ${variant}: ${((performance.now() - variantStarted) / 1000).toFixed(0)} s`);
    }
    for (const store of stores) await store.dispose();
    console.log(`\n${dataset.description}`);
  }
} finally {
  await embedder.dispose();
}

const fmt = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
const sections: string[] = [];
for (const name of datasets) {
  const rows = byVariant
    .get(variants[0]!)!
    .find((d) => d.dataset === name)!
    .scores.map((s, i) => [
      s.label,
      ...variants.flatMap((v) => {
        const scored = byVariant.get(v)!.find((d) => d.dataset === name)!.scores[i]!;
        return [fmt(scored.ndcg), fmt(scored.recall5)];
      }),
    ]);
  const header = ['method', ...variants.flatMap((v) => [`nDCG@10 (${v})`, `recall@5 (${v})`])];
  sections.push(`### ${name}\n\n${markdownTable(header, rows)}`);
}
/** Paired bootstrap of a − b over the questions: "+0.012 [+0.004, +0.020], p 0.003". */
function paired(a: number[], b: number[]): string {
  const t = pairedBootstrap(a, b, { resamples: 5000 })!;
  return `${signed(t.difference)} [${signed(t.low)}, ${signed(t.high)}], p ${fmt(t.p)}`;
}
const choices: string[] = [];
for (const variant of variants) {
  const scored = byVariant.get(variant)!;
  const overall = chooseFusion(scored);
  const held = leaveOneOut(scored);
  const rows = scored.map((d) => {
    const single = bestSingle(d.scores);
    const at = (label: string) => d.scores.find((s) => s.label === label)!;
    const heldLabel = held.find((h) => h.dataset === d.dataset)!.label;
    const test = (label: string, against = single) => paired(at(label).perQuestion, against.perQuestion);
    return [
      d.dataset,
      `${single.label} ${fmt(single.ndcg)}`,
      `${fmt(at('hybrid rrf').ndcg)} (${signed(margin(d.scores, 'hybrid rrf'))})`,
      `${heldLabel.replace('hybrid ', '')}: ${fmt(at(heldLabel).ndcg)} (${signed(margin(d.scores, heldLabel))})`,
      `${fmt(at(overall.label).ndcg)} (${signed(margin(d.scores, overall.label))})`,
      test('hybrid rrf'),
      test(overall.label),
      test(overall.label, at('hybrid rrf')),
      at(heldLabel).perQuestion.length,
    ];
  });
  choices.push(
    `Headers ${variant}: chosen over all ${scored.length} datasets: **${overall.label}** (worst margin ${signed(overall.worstMargin)}, mean nDCG@10 ${fmt(overall.meanNdcg)}).\n\n${markdownTable(
      [
        'dataset',
        'better single list',
        'rrf (margin)',
        'chosen on the other datasets: nDCG@10 (margin)',
        `${overall.label.replace('hybrid ', '')} (margin)`,
        'rrf − single, 95% CI, p',
        `${overall.label.replace('hybrid ', '')} − single, 95% CI, p`,
        `${overall.label.replace('hybrid ', '')} − rrf, 95% CI, p`,
        'n',
      ],
      rows,
    )}`,
  );
}
// what the headers change, method by method, against the same questions without them
const headerRows = variants
  .filter((v) => v !== 'off' && variants.includes('off'))
  .flatMap((variant) =>
    datasets.map((name) => {
      const of = (v: Variant) => byVariant.get(v)!.find((d) => d.dataset === name)!.scores;
      const effect = (label: string) => {
        const [on, off] = [of(variant), of('off')].map((scores) => scores.find((s) => s.label === label)!);
        return on.perQuestion.every((x, i) => x === off!.perQuestion[i])
          ? 'identical'
          : paired(on!.perQuestion, off!.perQuestion);
      };
      return [variant, name, effect('vector'), effect('keyword'), effect('hybrid rrf'), effect('hybrid convex w=0.50')];
    }),
  );
const headerTable = headerRows.length
  ? `\n\nHeaders on − off, nDCG@10, paired bootstrap over the same questions ("identical": every question scored the same, as when no document has a title or heading):\n\n${markdownTable(['headers', 'dataset', 'vector', 'keyword', 'rrf', 'convex w=0.50'], headerRows)}`
  : '';
const minutes = (performance.now() - started) / 60_000;
const report = `${sections.join('\n\n')}\n\n${choices.join('\n\n')}${headerTable}`;
console.log(`\n${report}\n\n${notes.join('; ')}; ${minutes.toFixed(1)} min`);
const jsonFile = flags.json ?? join(out, 'fusion.json');
writeFileSync(
  jsonFile,
  JSON.stringify(
    Object.fromEntries(
      [...byVariant].map(([v, scored]) => [v, scored.map((d) => ({ dataset: d.dataset, scores: d.scores }))]),
    ),
    null,
    2,
  ),
);
log(`results: ${jsonFile}`);
if (flags.append && limit === undefined) {
  const args = process.argv.slice(2).filter((a) => a !== '--append');
  appendBenchmark(
    `Hybrid fusion and contextual chunk headers on four datasets (bench:fusion, ${embedder.id})`,
    `npm run bench:fusion${args.length ? ` -- ${args.join(' ')}` : ''}`,
    `Datasets as bench:peers (clapnq, fictional-knowledge gen probes, Spider dev schema cards) and bench:rag-tuned (covid-faq); ${notes.join('; ')}. Default config chunking (≤ ${config.chunking.maxTokens} tokens, ${config.chunking.overlapTokens} overlap), LanceDB. Each question's vector and keyword lists fetched once (${LIST_DEPTH} deep), every method computed from them by the store's fuseHybrid, scored by document nDCG@10 and recall@5 over the best ${RANKED_CHUNKS} chunks. Header variants: off = the chunk text embedded alone; embed+bm25 = "title > headings" above the text, embedded and keyword-indexed (\`chunking.contextHeaders\`); embed = embedded so but the text alone keyword-indexed (an ablation). Margin = nDCG@10 − the better single list's. Default rule (fixed before the runs): the hybrid method with the highest worst margin over the datasets (ties: higher mean nDCG@10); "chosen on the other datasets" applies it with the scored dataset left out. Paired bootstrap over questions, 5,000 resamples. ${minutes.toFixed(1)} min at nice ${getPriority()}; 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)}.\n\n${report}`,
  );
}
