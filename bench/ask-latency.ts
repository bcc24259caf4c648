/**
 * npm run bench:ask — `attune ask` (rag) with SmolLM2-135M, answers up to 64 tokens, on
 * fictional-knowledge: end-to-end latency p50/p95 and the share of wall time spent outside the model.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStrategy } from '../src/answer/create-strategy.ts';
import { parseConfig } from '../src/config/config.ts';
import { createGenerator, openCollection } from '../src/runtime/backends.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';

const QUESTIONS = 30;
const docs = JSON.parse(
  readFileSync(
    join(import.meta.dirname, '..', '..', 'shared', 'datasets', 'fictional-knowledge', 'fictional_knowledge.json'),
    'utf8',
  ),
) as { train_context: string; gen_input: string[] }[];
const home = mkdtempSync(join(tmpdir(), 'attune-bench-ask-'));
const corpus = join(home, 'corpus');
mkdirSync(corpus);
docs.forEach((doc, i) => writeFileSync(join(corpus, `doc${i}.md`), doc.train_context));
const config = parseConfig({});
const { store, embedder } = await openCollection(config, home, 'fk', { create: true });
await ingest({ paths: [corpus], store, embedder, chunking: config.chunking, cacheDir: join(home, 'cache') });
const generator = await createGenerator(config);
const rag = createStrategy('rag', { generator, store, embedder, retrieval: config.retrieval }, { maxTokens: 64 });

const wall: number[] = [];
const outside: number[] = [];
const firstToken: number[] = [];
let completion = 0;
for (let i = 0; i < QUESTIONS; i++) {
  const question = `Complete: ${docs[i]!.gen_input[0]}`;
  const started = performance.now();
  const answer = await rag.answer(question);
  const total = performance.now() - started;
  wall.push(total);
  outside.push(total - answer.timings.generateMs);
  if (answer.timings.firstTokenMs !== null) firstToken.push(answer.timings.firstTokenMs);
  completion += answer.usage.completionTokens;
}
await generator.dispose();
await store.dispose();
await embedder.dispose();

// one cold CLI call: process start, model loads and the answer
const cliStarted = performance.now();
execFileSync(
  process.execPath,
  [
    join(import.meta.dirname, '..', 'src', 'cli', 'main.ts'),
    '--home',
    home,
    'ask',
    `Complete: ${docs[0]!.gen_input[0]}`,
    '--collection',
    'fk',
    '--json',
  ],
  { stdio: 'ignore' },
);
const cliMs = performance.now() - cliStarted;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const share = sum(outside) / sum(wall);
const table = markdownTable(
  ['measure', 'p50 ms', 'p95 ms'],
  [
    ['end to end (warm)', percentileOf(wall, 50), percentileOf(wall, 95)],
    ['time to first token', percentileOf(firstToken, 50), percentileOf(firstToken, 95)],
    ['outside the model (embed, search, prompt, citations)', percentileOf(outside, 50), percentileOf(outside, 95)],
  ],
);
const body = `${QUESTIONS} generalisation probes over all ${docs.length} fictional-knowledge documents (k = ${config.retrieval.k}, hybrid, ≤ 64 answer tokens, ${(completion / QUESTIONS).toFixed(1)} tokens on average), one warm process.\n\n${table}\n\n- share of wall time outside the model: ${(share * 100).toFixed(1)}% (target < 10%: ${share < 0.1 ? 'met' : 'not met'})\n- one cold \`attune ask --json\` (process start, loading both models, answer): ${(cliMs / 1000).toFixed(1)} s`;
console.log(body);
appendBenchmark('`attune ask` latency with SmolLM2-135M (bench:ask)', 'npm run bench:ask', body);
