/**
 * Ingest's embedding pass in arrival order against length-sorted order (issue #15 item 4, "length-bucketed
 * batches"): the chunks of a real corpus, chunked as `attune ingest` chunks them, embedded in batches of 32
 * (ingest's batch) by the default MiniLM, once in the order ingest meets them and once sorted by length, so
 * each batch pads to similar lengths. Rounds alternate which order goes first. Also checks that the two orders
 * give the same vector for each text.
 *
 *   bash scripts/with-node.sh bench/embed-order.ts [--datasets clapnq,fictional-knowledge] [--rounds 2] [--append]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { corpusChunks } from './corpus-chunks.ts';
import type { DatasetName } from './peers/datasets.ts';

const { values: flags } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'clapnq,fictional-knowledge' },
    rounds: { type: 'string', default: '2' },
    append: { type: 'boolean', default: false },
  },
});
const BATCH = 32;
const config = parseConfig({});
const embedder = await createEmbedder(config);
const load = [loadavg()[0]!];
const rows: (string | number)[][] = [];
for (const name of flags.datasets!.split(',') as DatasetName[]) {
  const { documents, texts: unique } = await corpusChunks(name, config, embedder);
  const sorted = [...unique].sort((a, b) => a.length - b.length);
  const pass = async (order: string[]) => {
    const started = performance.now();
    const vectors = new Map<string, Float32Array>();
    for (let start = 0; start < order.length; start += BATCH) {
      const batch = order.slice(start, start + BATCH);
      const out = await embedder.embed(batch);
      batch.forEach((text, i) => vectors.set(text, out[i]!));
    }
    return { seconds: (performance.now() - started) / 1000, vectors };
  };
  const times = { arrival: [] as number[], sorted: [] as number[] };
  let maxDiff = 0;
  for (let round = 0; round < Number(flags.rounds); round++) {
    const orders = round % 2 === 0 ? (['arrival', 'sorted'] as const) : (['sorted', 'arrival'] as const);
    const results: Record<string, Map<string, Float32Array>> = {};
    for (const order of orders) {
      process.stderr.write(`${name} round ${round + 1}: ${order}…\n`);
      const { seconds, vectors } = await pass(order === 'arrival' ? unique : sorted);
      times[order].push(seconds);
      results[order] = vectors;
    }
    for (const text of unique) {
      const [a, b] = [results.arrival!.get(text)!, results.sorted!.get(text)!];
      for (let d = 0; d < a.length; d++) maxDiff = Math.max(maxDiff, Math.abs(a[d]! - b[d]!));
    }
  }
  const rate = (xs: number[]) => unique.length / (xs.reduce((s, x) => s + x, 0) / xs.length);
  const [arrival, byLength] = [rate(times.arrival), rate(times.sorted)];
  const lengths = unique.map((t) => embedder.countTokens(t));
  rows.push([
    `${name} (${documents} documents)`,
    unique.length,
    `${Math.min(...lengths)}–${Math.max(...lengths)}`,
    Number(arrival.toFixed(1)),
    Number(byLength.toFixed(1)),
    `${(byLength / arrival).toFixed(2)}×`,
    maxDiff.toExponential(1),
  ]);
}
await embedder.dispose();
load.push(loadavg()[0]!);
const body = `Default embedder (all-MiniLM-L6-v2, transformers.js on onnxruntime, 2 cores), default chunking (200 tokens, 32 overlap); every distinct chunk text of the corpus embedded in batches of ${BATCH}, in the order ingest meets the files, then sorted by length (characters); ${flags.rounds} rounds alternating which order goes first, mean time per pass. 1-minute load average at start and end: ${load.map((l) => l.toFixed(1)).join(' and ')}.\n\n${markdownTable(['corpus', 'chunks', 'tokens per chunk', 'arrival order chunks/s', 'length-sorted chunks/s', 'ratio', 'max |Δ| of a vector component'], rows)}`;
console.log(body);
if (flags.append)
  appendBenchmark(
    'Ingest embedding: arrival order vs length-sorted batches (bench/embed-order.ts)',
    `bash scripts/with-node.sh bench/embed-order.ts --datasets ${flags.datasets} --rounds ${flags.rounds} --append`,
    body,
  );
