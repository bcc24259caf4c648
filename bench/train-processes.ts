/**
 * bench/train-processes: LoRA training with 1 process vs N data-parallel processes (accelerate launch; gloo
 * on CPUs) on the same data, global batch and seed — loss curves, wall time, tokens/s, peak RSS — and a
 * check of the GPU-memory estimate in docs/training-on-many-gpus.md: peak RSS of one step at two sequence
 * lengths, whose difference is the per-token memory the estimate's activation + logit terms predict.
 *   bash scripts/with-node.sh bench/train-processes.ts [--processes 2] [--steps 8]
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { modelsDir } from '../src/config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../src/models/catalog.ts';
import { ensurePythonEnv } from '../src/models/python-env.ts';
import { loadAdapter } from '../src/tune/adapters.ts';
import { PythonTrainer } from '../src/tune/python-trainer.ts';
import type { TrainEvent } from '../src/tune/trainer.ts';
import { tune } from '../src/tune/tune.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { toyFactsJsonl } from '../src/testing/toy-facts.ts';

const { values } = parseArgs({
  options: { processes: { type: 'string', default: '2' }, steps: { type: 'string', default: '8' } },
});
const PROCESSES = Number(values.processes);
const STEPS = Number(values.steps);
const BASE = join(modelsDir(), DEFAULT_GENERATOR_FILE);
const home = await mkdtemp(join(tmpdir(), 'attune-bench-processes-'));
const python = await ensurePythonEnv();

async function dataFile(name: string, repeat: number): Promise<string> {
  const file = join(home, `${name}.jsonl`);
  await writeFile(file, toyFactsJsonl(32, repeat));
  return file;
}

async function run(name: string, data: string, processes: number, steps: number, maxSeqLen: number) {
  let done: Extract<TrainEvent, { event: 'done' }> | undefined;
  const result = await tune({
    home: join(home, name),
    name,
    data,
    base: BASE,
    trainer: new PythonTrainer({ python, launch: { processes } }),
    lr: 3e-3,
    epochs: 20,
    maxSteps: steps,
    batchSize: 4,
    rank: 16,
    maxSeqLen,
    parity: false,
    checkpointEvery: 1000,
    onEvent: (event) => event.event === 'done' && (done = event),
  });
  const curve = (await loadAdapter(join(home, name), name)).lossCurve.map((p) => p.loss);
  return { result, curve, rss: done?.peak_rss_mb ?? Number.NaN, tokens: done?.tokens ?? 0 };
}

// 1 vs N processes on short chats
const short = await dataFile('short', 1);
const one = await run('one', short, 1, STEPS, 96);
const many = await run('many', short, PROCESSES, STEPS, 96);
const differences = one.curve.map((loss, i) => Math.abs(loss - (many.curve[i] ?? Number.NaN)));
const comparison = markdownTable(
  ['processes', 'steps', 'wall s (tune)', 'tokens/s', 'peak RSS MB (rank 0)', 'loss per step'],
  [one, many].map((r, i) => [
    i === 0 ? 1 : PROCESSES,
    r.result.steps,
    r.result.wallSeconds.toFixed(0),
    r.result.tokensPerSecond.toFixed(1),
    r.rss,
    r.curve.map((l) => l.toFixed(4)).join(' '),
  ]),
);

// the memory check: one step of 4 rows at two lengths (one process); the RSS difference per token
const shortRows = await dataFile('rows-short', 4);
const longRows = await dataFile('rows-long', 50);
const small = await run('memory-short', shortRows, 1, 1, 640);
const large = await run('memory-long', longRows, 1, 1, 640);
const perToken = ((large.rss - small.rss) * 2 ** 20) / Math.max(1, large.tokens - small.tokens);
// the estimate's activation + logit terms for SmolLM2-135M, per token, fp32 (see the docs' formula)
const estimated = 30 * (16 * 576 + 6 * 1536) * 4 + 49152 * 12;

const body = `
Same data (32 short chats, 4 facts), global batch 4, seed 42, rank 16, lr 3e-3, LoRA dropout 0.05, SmolLM2-135M
(dequantised fp32 base), no parity check. ${PROCESSES} processes = \`attune tune --processes ${PROCESSES}\`
(accelerate launch, gloo, cores / ${PROCESSES} threads each); each computes its slice of every batch. Max |Δ loss| per step between the runs: ${Math.max(...differences).toFixed(4)} (first step: ${differences[0]!.toExponential(1)}).

${comparison}

Memory estimate check (docs/training-on-many-gpus.md): one optimiser step of 4 rows, 1 process, at two lengths:
${small.tokens} tokens → peak RSS ${small.rss} MB; ${large.tokens} tokens → ${large.rss} MB. Measured
${(perToken / 1e6).toFixed(2)} MB per extra token against the estimate's ${(estimated / 1e6).toFixed(2)} MB
(activations 30 × (16 × 576 + 6 × 1536) × 4 B + logits 49,152 × 12 B). CPU RSS, not GPU memory: glibc's
allocator and PyTorch's CPU kernels keep different temporaries than CUDA's caching allocator.
`;
console.log(body);
appendBenchmark(
  `LoRA training on ${PROCESSES} processes vs 1 (bench/train-processes.ts)`,
  `bash scripts/with-node.sh bench/train-processes.ts --processes ${PROCESSES} --steps ${STEPS}`,
  body,
);
