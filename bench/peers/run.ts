/**
 * npm run bench:peers — attune against the default retrieval pipelines of LangChain.js and LlamaIndex.TS (pinned in
 * bench/peers/package-lock.json, installed there on first run), on the same corpus, questions and MiniLM embedder.
 * Each framework runs in its own child process (bench/peers/child.ts), one after another, so peak RSS is its own;
 * attune's vector and hybrid modes share one ingest, as LangChain's dense and hybrid retrievers share one split.
 * Prints a table per dataset: recall@1/5/10, MRR, nDCG@10 over the documents of the best 30 chunks, ingest
 * seconds (wall and CPU), query p50/p95 (and CPU p50), peak RSS and the load average while each ran; writes the
 * JSON; `--append` adds the section to BENCHMARKS.md.
 *
 *   npm run bench:peers -- [--datasets clapnq,fictional-knowledge,spider] [--systems attune,langchain,llamaindex]
 *                          [--limit N] [--json FILE] [--append]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FUSION, describeFusion } from '../../src/store/fusion.ts';
import { appendBenchmark } from '../benchmarks-file.ts';
import { DATASETS, prepareDataset, type DatasetName } from './datasets.ts';
import { ensurePeersInstalled, peerVersions } from './install.ts';
import { scoreRun, scoresTable, type SystemRun } from './score.ts';
import { SYSTEMS } from './system.ts';

const { values: flags } = parseArgs({
  options: {
    datasets: { type: 'string', default: DATASETS.join(',') },
    systems: { type: 'string', default: Object.keys(SYSTEMS).join(',') },
    limit: { type: 'string' },
    json: { type: 'string' },
    append: { type: 'boolean', default: false },
  },
});
const datasets = flags.datasets.split(',') as DatasetName[];
const systems = flags.systems.split(',');
for (const name of datasets)
  if (!DATASETS.includes(name)) throw new Error(`--datasets: unknown "${name}" (known: ${DATASETS.join(', ')})`);
for (const name of systems)
  if (!SYSTEMS[name]) throw new Error(`--systems: unknown "${name}" (known: ${Object.keys(SYSTEMS).join(', ')})`);
const limit = flags.limit ? Number(flags.limit) : undefined;
const log = (line: string) => process.stderr.write(`bench:peers: ${line}\n`);

const loadAtStart = loadavg()[0]!;
const started = performance.now();
const peers = systems.some((name) => SYSTEMS[name]!.peer);
if (peers) ensurePeersInstalled(log);
const versions = peers ? peerVersions() : 'none';
const out = mkdtempSync(join(tmpdir(), 'attune-bench-peers-'));
const sections: { dataset: DatasetName; description: string; rows: ReturnType<typeof scoreRun>[] }[] = [];

for (const name of datasets) {
  const dataset = await prepareDataset(name, join(out, name), limit);
  log(`${name}: ${dataset.documents} documents, ${dataset.questions.length} questions`);
  const rows: ReturnType<typeof scoreRun>[] = [];
  for (const [index, system] of systems.entries()) {
    log(`${name}: ${system} (${index + 1}/${systems.length})`);
    for (const run of await runChild(system, dataset.dir)) {
      const row = scoreRun(run, dataset.questions);
      rows.push(row);
      log(
        'error' in row
          ? `${name}: ${row.system} failed: ${row.error}`
          : `${name}: ${row.system} nDCG@10 ${row.ndcg10.toFixed(3)}, ingest ${row.ingestSeconds.toFixed(1)} s, p50 ${row.p50Ms.toFixed(1)} ms`,
      );
    }
  }
  sections.push({ dataset: name, description: dataset.description, rows });
  console.log(`\n${dataset.description}\n\n${scoresTable(rows)}\n`);
}

const loadAtEnd = loadavg()[0]!;
const minutes = (performance.now() - started) / 60_000;
const args = process.argv.slice(2).filter((a) => a !== '--append');
const command = `npm run bench:peers${args.length ? ` -- ${args.join(' ')}` : ''}`;
const jsonFile = flags.json ?? join(out, 'peers.json');
writeFileSync(
  jsonFile,
  JSON.stringify(
    { date: new Date().toISOString(), command, versions, loadAtStart, loadAtEnd, minutes, sections },
    null,
    2,
  ),
);
log(
  `results: ${jsonFile}; ${minutes.toFixed(1)} min, 1-minute load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)}`,
);

if (flags.append) {
  const tables = sections.map((s) => `${s.description}.\n\n${scoresTable(s.rows)}`).join('\n\n');
  appendBenchmark(
    'attune against LangChain.js and LlamaIndex.TS, same embedder (bench:peers)',
    command,
    `Every system embeds with attune's all-MiniLM-L6-v2 (the transformers.js ONNX folder, fp32, in each framework's embeddings interface), so what differs is the pipeline: splitter, store, fusion. attune: default config (≤ 200-token chunks, 32 overlap; LanceDB; hybrid = BM25 + vector, ${describeFusion(DEFAULT_FUSION)} fusion). langchain: RecursiveCharacterTextSplitter defaults (1,000 characters, 200 overlap), MemoryVectorStore, its retriever; langchain-hybrid: EnsembleRetriever (weighted RRF, equal weights) over BM25Retriever and that retriever. llamaindex: VectorStoreIndex.fromDocuments with its default SentenceSplitter (1,024 tokens of its own tokenizer, 200 overlap, longer than MiniLM's 512-token window, so the embedder truncates its chunks) and SimpleVectorStore, embed batch 10. Peers: ${versions}. Each framework ran alone in its own process, one after another (attune's two modes share one ingest, as LangChain's two retrievers share one split and store; a mode's peak RSS is the process's at the end of that mode, the lighter mode first); metrics are attune's (relevance by document id over the documents of the best 30 chunks); ingest = files on disk to a searchable index, model already loaded; latency = one query end to end after one warm-up; CPU = user + system time of the process, all threads (ONNX Runtime's included), which other jobs on the machine disturb far less than wall time. ${minutes.toFixed(0)} min in all${getPriority() > 0 ? `, at nice ${getPriority()}` : ''}; 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadAtEnd.toFixed(1)}. The machine was shared: other jobs ran beside this one, so every time is an upper bound, and the frameworks ran one after another under whatever load there was then (the last column); compare wall times only between rows run under similar load, and prefer the CPU columns across rows. Quality does not depend on load.\n\n${tables}`,
  );
  log('appended to BENCHMARKS.md');
}

/** Runs one framework's child process and reads its report; a crash (OOM kill included) becomes failed rows. */
async function runChild(system: string, dir: string): Promise<SystemRun[]> {
  const file = join(dir, `run-${system}.json`);
  const child = spawn(
    process.execPath,
    [...process.execArgv, join(import.meta.dirname, 'child.ts'), '--system', system, '--dataset', dir, '--out', file],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SystemRun[];
  const error = `child process ended with ${signal ?? `exit code ${code}`}`;
  return Object.values(SYSTEMS[system]!.modes).map((row) => ({ system: row, error, peakRssMb: Number.NaN }));
}
