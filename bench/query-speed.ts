/**
 * Vector query: where the time goes. One clapnq collection (the corpus of bench:peers and bench:retrieval,
 * ingested with attune's defaults), the 300 answerable questions, each step timed on its own, wall and CPU:
 * embedding the query, LanceDB's vector search (the call with only ids and distances back, then with every
 * column as hits), the in-memory exact scan that collections up to `memoryScanRows` now use, keyword search,
 * and hybrid and end-to-end retrieval through both paths, cold and with the query vector cached.
 * Also checks that both vector paths return the same chunks.
 *
 *   bash scripts/with-node.sh bench/query-speed.ts [--limit N] [--append]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as lancedb from '@lancedb/lancedb';
import { parseConfig } from '../src/config/config.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { withEmptyQueryCache } from '../src/retrieve/query-vectors.ts';
import { retrieve } from '../src/retrieve/retrieve.ts';
import { openCollection } from '../src/runtime/backends.ts';
import { LanceStore } from '../src/store/lance-store.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';
import { prepareDataset } from './peers/datasets.ts';

const { values: flags } = parseArgs({
  options: { limit: { type: 'string' }, append: { type: 'boolean', default: false } },
});
const K = 30; // as bench:peers: the best 30 chunks

const scratch = mkdtempSync(join(tmpdir(), 'attune-query-speed-'));
const loadAtStart = loadavg()[0]!;
const dataset = await prepareDataset('clapnq', join(scratch, 'data'), flags.limit ? Number(flags.limit) : undefined);
const config = parseConfig({});
const home = join(scratch, 'home');
const { store, embedder } = await openCollection(config, home, 'bench', { create: true });
process.stderr.write(`ingesting ${dataset.documents} clapnq passages…\n`);
const ingested = await ingest({
  paths: [join(dataset.dir, 'corpus')],
  store,
  embedder,
  chunking: config.chunking,
  cacheDir: join(scratch, 'cache'),
});
await store.dispose();
const questions = dataset.questions.map((q) => q.question);

// the collection's folder, opened twice: in-memory scan on (the default) and off (every search in LanceDB)
const dir = join(home, 'collections', 'bench');
const scanning = await LanceStore.open({ dir, collection: 'bench', dimension: embedder.dimension });
const direct = await LanceStore.open({ dir, collection: 'bench', dimension: embedder.dimension, memoryScanRows: 0 });
const table = await (await lancedb.connect(dir)).openTable('chunks');
const vectors = await embedder.embed(questions);

interface Row {
  step: string;
  wall: number[];
  cpu: number[];
}
const rows: Row[] = [];
/** Times `step` once per question after one untimed warm-up pass over five of them. */
async function time(step: string, run: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(5, questions.length); i++) await run(i);
  const row: Row = { step, wall: [], cpu: [] };
  for (let i = 0; i < questions.length; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(i);
    row.wall.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    row.cpu.push((used.user + used.system) / 1000);
  }
  rows.push(row);
  process.stderr.write(`  ${step}: p50 ${percentileOf(row.wall, 50).toFixed(2)} ms\n`);
}

const COLUMNS = ['chunk_id', 'doc_id', 'source', 'title', 'heading_path', 'page', 'position', 'text'];
const COLUMNS_ALL = [...COLUMNS, 'doc_hash', 'labels', 'tags', '_distance'];
await time('embed the query (MiniLM, one text)', (i) => withEmptyQueryCache(embedder).embed([questions[i]!]));
await time('LanceDB vector search, ids and distances only', (i) =>
  table.vectorSearch(vectors[i]!).distanceType('cosine').select(['chunk_id', '_distance']).limit(K).toArray(),
);
await time('LanceDB vector search, every column (Arrow)', (i) =>
  table.vectorSearch(vectors[i]!).distanceType('cosine').select(COLUMNS_ALL).limit(K).toArrow(),
);
await time('store vector search, LanceDB (scan off)', (i) =>
  direct.search({ mode: 'vector', vector: vectors[i]!, k: K }),
);
await time('store vector search, in-memory exact scan', (i) =>
  scanning.search({ mode: 'vector', vector: vectors[i]!, k: K }),
);
await time('store keyword search (LanceDB BM25)', (i) => direct.search({ mode: 'keyword', text: questions[i]!, k: K }));
await time('store hybrid search, LanceDB (scan off)', (i) =>
  direct.search({ mode: 'hybrid', vector: vectors[i]!, text: questions[i]!, k: K }),
);
await time('store hybrid search, in-memory scan + BM25', (i) =>
  scanning.search({ mode: 'hybrid', vector: vectors[i]!, text: questions[i]!, k: K }),
);
const coldDirect = withEmptyQueryCache(embedder);
await time('retrieve vector, cold, scan off (before)', (i) =>
  retrieve(direct, coldDirect, questions[i]!, { k: K, mode: 'vector' }),
);
const cold = withEmptyQueryCache(embedder);
await time('retrieve vector, cold, in-memory scan (now)', (i) =>
  retrieve(scanning, cold, questions[i]!, { k: K, mode: 'vector' }),
);
await time('retrieve vector, query vector cached (repeat)', (i) =>
  retrieve(scanning, cold, questions[i]!, { k: K, mode: 'vector' }),
);
const coldHybrid = withEmptyQueryCache(embedder);
await time('retrieve hybrid, cold, in-memory scan (now)', (i) =>
  retrieve(scanning, coldHybrid, questions[i]!, { k: K, mode: 'hybrid' }),
);

// both vector paths must rank the same chunks
let same = 0;
let tiedAtCut = 0;
for (const vector of vectors) {
  const a = await scanning.search({ mode: 'vector', vector, k: K });
  const b = await direct.search({ mode: 'vector', vector, k: K });
  // the same chunks at the same scores; chunks with equal scores (duplicate texts) may come in either order
  const ids = (hits: { chunkId: string }[]) => JSON.stringify(hits.map((h) => h.chunkId).sort());
  const scores = a.length === b.length && a.every((hit, i) => Math.abs(hit.score - b[i]!.score) < 1e-5);
  if (scores && ids(a) === ids(b)) same++;
  // the same scores rank by rank, but a different chunk among those tied at the cut
  else if (scores) tiedAtCut++;
}
const loadAtEnd = loadavg()[0]!;
await scanning.dispose();
await direct.dispose();
await embedder.dispose();
rmSync(scratch, { recursive: true, force: true });

const fmt = (v: number) => v.toFixed(2);
const tableText = markdownTable(
  ['step', 'wall p50 ms', 'wall p95 ms', 'CPU p50 ms'],
  rows.map((r) => [r.step, fmt(percentileOf(r.wall, 50)), fmt(percentileOf(r.wall, 95)), fmt(percentileOf(r.cpu, 50))]),
);
const body = `${dataset.description}; ${ingested.chunks} chunks (attune's default chunking), k = ${K} (as bench:peers), ${questions.length} queries per step after 5 untimed ones. CPU = user + system time of the process, all threads. Exact search at this size (no ANN index). The in-memory scan and LanceDB returned the same top-${K} chunks with the same scores (to 1e-5; chunks with equal scores, duplicate texts, in either order) for ${same} of ${vectors.length} queries${tiedAtCut ? `; in ${tiedAtCut} more the scores were the same rank by rank and only which of the chunks tied at rank ${K} made the cut differed` : ''}. 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadAtEnd.toFixed(1)}.\n\n${tableText}`;
console.log(body);
if (flags.append)
  appendBenchmark(
    'Vector query: where the time goes (bench/query-speed.ts)',
    'bash scripts/with-node.sh bench/query-speed.ts --append',
    body,
  );
