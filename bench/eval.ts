/**
 * attune eval on clapnq: base vs rag on the default local models, every metric, wall time and the harness's own
 * overhead. `--limit N` takes the first N answerable and the first N unanswerable questions (default 300 + 300);
 * the corpus is always all 600 gold passages.
 *   bash scripts/with-node.sh bench/eval.ts --limit 40
 */
import { createRuntime } from '../src/runtime/runtime.ts';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { main } from '../src/cli/main.ts';
import { parseConfig } from '../src/config/config.ts';
import { importDataset, writeImport } from '../src/dataset/import.ts';
import { buildEvalResources } from '../src/evaluate/build-strategies.ts';
import { LOCAL_PRICES } from '../src/evaluate/metrics/cost.ts';
import { executeRun, planNewRun } from '../src/evaluate/run.ts';
import { renderEvalTable } from '../src/report/table.ts';
import { datasetsDir } from '../src/testing/datasets.ts';

const { values } = parseArgs({
  options: { limit: { type: 'string', default: '300' }, 'max-tokens': { type: 'string', default: '48' } },
});
const limit = Number(values.limit);
const maxTokens = Number(values['max-tokens']);
const dir = mkdtempSync(join(tmpdir(), 'attune-bench-eval-'));
const home = join(dir, 'home');
try {
  const imported = await importDataset(
    'clapnq',
    ['answerable', 'unanswerable'].map((kind) => join(datasetsDir, 'clapnq', `clapnq_dev_${kind}.jsonl`)),
  );
  const { corpusDir } = await writeImport(join(dir, 'set'), imported);
  const ingestStarted = performance.now();
  if ((await main(['node', 'attune', '--home', home, 'ingest', corpusDir, '--collection', 'clapnq'])) !== 0)
    throw new Error('ingest failed');
  const ingestMs = performance.now() - ingestStarted;
  const questions = [
    ...imported.questions.filter((q) => q.answerable).slice(0, limit),
    ...imported.questions.filter((q) => !q.answerable).slice(0, limit),
  ];
  const config = parseConfig({});
  const runtime = createRuntime({ config, home });
  const resources = await buildEvalResources(runtime, {
    strategies: ['base', 'rag'],
    collection: 'clapnq',
    adapters: {},
    maxTokens,
  });
  const plan = await planNewRun(
    home,
    { file: 'clapnq dev (answerable + unanswerable)', questions, errors: [], hash: '' },
    {
      strategies: ['base', 'rag'],
      collection: 'clapnq',
      repeats: 1,
      baseSeed: 1,
      temperature: 0,
      maxTokens,
      models: { generator: resources.generator.id, embedder: resources.embedder?.id },
      adapters: {},
      prices: LOCAL_PRICES,
      config,
    },
  );
  let last = 0;
  const { report, stats } = await executeRun(home, plan, {
    strategies: resources.strategies,
    onProgress: (done, total) => {
      if (performance.now() - last > 30_000) (last = performance.now()), process.stderr.write(`${done}/${total}\n`);
    },
  }).finally(() => runtime.dispose());
  const table = renderEvalTable(report);
  const overhead = (100 * stats.harnessMs) / stats.modelMs;
  const timing = `wall ${(stats.wallMs / 1000).toFixed(1)} s for ${questions.length * 2} answers; model (strategy.answer) ${(stats.modelMs / 1000).toFixed(1)} s; harness overhead ${stats.harnessMs.toFixed(0)} ms = ${overhead.toFixed(2)}% of model time (target < 5%); ingest of ${imported.documents.length} passages ${(ingestMs / 1000).toFixed(1)} s`;
  process.stdout.write(`${table}\n\n${timing}\n`);
  const section = [
    '',
    `## eval (clapnq, base vs rag) — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Machine: 2-core x86_64 CPU, 24 GB, no GPU. Command: \`bash scripts/with-node.sh bench/eval.ts --limit ${limit}\`.`,
    `Sample: the first ${Math.min(limit, 300)} answerable + first ${Math.min(limit, 300)} unanswerable clapnq dev questions${limit < 300 ? ' (not the full 300 + 300: the full set does not fit the time budget on 2 cores)' : ''}; corpus: all ${imported.documents.length} gold passages. Defaults: SmolLM2-135M-Instruct Q4_1, all-MiniLM-L6-v2, hybrid retrieval k=4, temperature 0, max ${maxTokens} answer tokens, 1 repeat. Mean [95% bootstrap CI over questions]. Cost: $0.10/hour of machine time.`,
    '',
    '```',
    table,
    '```',
    '',
    `${timing}.`,
    '',
  ].join('\n');
  appendFileSync(join(import.meta.dirname, '../BENCHMARKS.md'), section);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
