/**
 * bash scripts/with-node.sh bench/embedder-speed.ts [--datasets clapnq,fictional-knowledge] [--append] —
 * the default embedder's fp32 weights against its int8 file (`embedder.dtype: q8`, made by `attune models pull`),
 * issue #15 item 4: chunks/s on real corpora chunked as `attune ingest` chunks them, embedded as ingest embeds
 * them (length-sorted, batches of 32), each batch by both in turn (alternating which goes first, so other load on
 * the machine hits both alike); one-at-a-time query latency on the corpus's questions; and how close the two
 * models' vectors are. Retrieval quality of the two: bench:fusion --dtype q8.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { DEFAULT_EMBEDDER_ID } from '../src/models/catalog.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';
import { corpusChunks } from './corpus-chunks.ts';
import { prepareDataset, type DatasetName } from './peers/datasets.ts';

const { values: flags } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'clapnq,fictional-knowledge' },
    queries: { type: 'string', default: '64' },
    append: { type: 'boolean', default: false },
  },
});
const BATCH = 32;
const DTYPES = ['fp32', 'q8'] as const;
const load = [loadavg()[0]!];
const config = parseConfig({});
const embedders = await Promise.all(
  DTYPES.map((dtype) => createEmbedder(parseConfig({ embedder: { provider: 'transformers', dtype } }))),
);
const rows: (string | number)[][] = [];
for (const name of flags.datasets.split(',') as DatasetName[]) {
  const { documents, texts } = await corpusChunks(name, config, embedders[0]!);
  const sorted = [...texts].sort((a, b) => a.length - b.length);
  const dir = mkdtempSync(join(tmpdir(), 'attune-embedder-speed-'));
  const questions = (await prepareDataset(name, dir)).questions.slice(0, Number(flags.queries)).map((q) => q.question);
  rmSync(dir, { recursive: true, force: true });
  const seconds = DTYPES.map(() => 0);
  const queryMs: number[][] = DTYPES.map(() => []);
  const cosines: number[] = [];
  for (let start = 0, turn = 0; start < sorted.length; start += BATCH, turn++) {
    const batch = sorted.slice(start, start + BATCH);
    const out: Float32Array[][] = [];
    for (const m of turn % 2 === 0 ? [0, 1] : [1, 0]) {
      const began = performance.now();
      out[m] = await embedders[m]!.embed(batch);
      seconds[m]! += (performance.now() - began) / 1000;
    }
    out[0]!.forEach((a, i) => cosines.push(a.reduce((s, x, d) => s + x * out[1]![i]![d]!, 0)));
    process.stderr.write(`\r${name}: ${Math.min(start + BATCH, sorted.length)} / ${sorted.length} chunks`);
  }
  process.stderr.write('\n');
  for (const [i, question] of questions.entries())
    for (const m of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const began = performance.now();
      await embedders[m]!.embed([question]);
      queryMs[m]!.push(performance.now() - began);
    }
  for (const [m, dtype] of DTYPES.entries())
    rows.push([
      `${name} (${documents} documents, ${sorted.length} chunks)`,
      embedders[m]!.id,
      Number((sorted.length / seconds[m]!).toFixed(1)),
      `${(seconds[0]! / seconds[m]!).toFixed(2)}×`,
      percentileOf(queryMs[m]!, 50),
      percentileOf(queryMs[m]!, 95),
      dtype === 'fp32'
        ? '–'
        : `${(cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(4)} / ${Math.min(...cosines).toFixed(4)}`,
    ]);
}
await Promise.all(embedders.map((e) => e.dispose()));
load.push(loadavg()[0]!);
const table = markdownTable(
  ['corpus', 'embedder', 'chunks/s', 'vs fp32', 'query p50 ms', 'query p95 ms', 'cosine to fp32, mean / min'],
  rows,
);
const body = `${DEFAULT_EMBEDDER_ID} on onnxruntime (transformers.js, 2 cores), fp32 weights against the int8 file \`attune models pull\` makes (\`python/quantize_onnx.py\`: dynamic quantisation, int8 MatMul weights per output channel). Chunks: default chunking (200 tokens, 32 overlap), distinct texts, length-sorted and embedded in batches of ${BATCH} as ingest does, each batch by both models in turn (alternating which goes first). Queries: the first ${flags.queries} questions of each corpus, one at a time, alternating. 1-minute load average at start and end: ${load.map((l) => l.toFixed(1)).join(' and ')}.\n\n${table}`;
console.log(body);
if (flags.append)
  appendBenchmark(
    'Embedding speed: fp32 vs int8 weights of the default embedder (bench/embedder-speed.ts)',
    `bash scripts/with-node.sh bench/embedder-speed.ts --datasets ${flags.datasets} --queries ${flags.queries} --append`,
    body,
  );
