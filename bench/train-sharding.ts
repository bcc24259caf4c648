/**
 * bench/train-sharding: LoRA training on N CPU processes with each holding the whole model (ddp) vs the model
 * sharded over them (`--sharding fsdp`, torch FSDP2), beside 1 process: the same data, global batch and seed.
 * Reports each rank's share of the weights, each rank's peak RSS while training, tokens/s, and the loss curves.
 *   bash scripts/with-node.sh bench/train-sharding.ts [--model qwen2.5-coder-0.5b] [--processes 2] [--steps 6] [--append]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePythonEnv } from '../src/models/python-env.ts';
import { resolveModel } from '../src/models/resolve.ts';
import { loadAdapter } from '../src/tune/adapters.ts';
import { PythonTrainer } from '../src/tune/python-trainer.ts';
import type { TrainEvent } from '../src/tune/trainer.ts';
import { tune } from '../src/tune/tune.ts';
import { TOY_FACTS } from '../src/testing/toy-facts.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'qwen2.5-coder-0.5b' },
    processes: { type: 'string', default: '2' },
    steps: { type: 'string', default: '6' },
    append: { type: 'boolean', default: false },
  },
  strict: true,
});
const PROCESSES = Number(values.processes);
const STEPS = Number(values.steps);
if (!Number.isInteger(PROCESSES) || PROCESSES < 2) throw new Error('--processes: an integer ≥ 2');
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error('--steps: a positive integer');
const base = resolveModel(values.model).path;
const home = await mkdtemp(join(tmpdir(), 'attune-bench-sharding-'));
const python = await ensurePythonEnv();
const data = join(home, 'facts.jsonl');
await writeFile(
  data,
  `${Array.from({ length: 32 }, (_, i) => TOY_FACTS[i % 4]!)
    .map(([question, answer]) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: question },
          { role: 'assistant', content: answer },
        ],
      }),
    )
    .join('\n')}\n`,
);

async function run(name: string, processes: number, sharding?: 'ddp' | 'fsdp') {
  let start: Extract<TrainEvent, { event: 'start' }> | undefined;
  let done: Extract<TrainEvent, { event: 'done' }> | undefined;
  const result = await tune({
    home: join(home, name),
    name,
    data,
    base,
    trainer: new PythonTrainer({ python, launch: { processes, ...(sharding ? { sharding } : {}) } }),
    lr: 3e-3,
    epochs: 20,
    maxSteps: STEPS,
    batchSize: 4,
    rank: 16,
    maxSeqLen: 96,
    dropout: 0,
    parity: false,
    checkpointEvery: 1000,
    onEvent: (event) => {
      if (event.event === 'start') start = event;
      if (event.event === 'done') done = event;
    },
  });
  const curve = (await loadAdapter(join(home, name), name)).lossCurve.map((p) => p.loss);
  return { name, processes, result, curve, start, done };
}

const runs = [await run('one', 1), await run('ddp', PROCESSES, 'ddp'), await run('fsdp', PROCESSES, 'fsdp')];
const reference = runs[0]!.curve;
const table = markdownTable(
  [
    'run',
    'weights held per rank',
    'peak RSS per rank while training, MB',
    'RSS per rank at the end of training, MB',
    'tune wall s',
    'tokens/s',
    'max |Δ loss| vs 1 process',
  ],
  runs.map((r) => {
    const total = r.start?.parameters ?? Number.NaN;
    const held = r.start?.rank_parameters ?? [total];
    return [
      r.processes === 1 ? '1 process' : `${r.processes} processes, ${r.name}`,
      // fp32 weights: 4 bytes each
      held.map((n) => `${((100 * n) / total).toFixed(0)}% (${Math.round((n * 4) / 2 ** 20)} MB)`).join(' / '),
      (r.done?.rank_peak_rss_mb ?? [r.done?.peak_rss_mb ?? Number.NaN]).join(' / '),
      (r.done?.rank_end_rss_mb ?? []).join(' / '),
      r.result.wallSeconds.toFixed(0),
      r.result.tokensPerSecond.toFixed(1),
      Math.max(...reference.map((loss, i) => Math.abs(loss - (r.curve[i] ?? Number.NaN)))).toExponential(1),
    ];
  }),
);
const body = `
Model ${values.model} (the dequantised fp32 base, ${((runs[0]!.start?.parameters ?? 0) / 1e6).toFixed(0)}M weights), 32 short chats (4 facts),
global batch 4, ${STEPS} steps, seed 42, LoRA rank 16, LoRA dropout off, lr 3e-3, no parity check. ${PROCESSES} processes =
\`attune tune --processes ${PROCESSES} [--sharding fsdp]\` (accelerate launch, gloo, cores / ${PROCESSES} threads each).
Peak RSS is each process's maximum resident memory up to the end of training, which includes loading the whole
base (every rank does, on the CPU, before sharding it); the RSS at the end of training is what a rank holds once
training runs. The export after it is not counted (under fsdp the reporter then loads an unsharded copy of the base
on the CPU to write the adapter).

${table}
`;
console.log(body);
if (values.append)
  appendBenchmark(
    `LoRA training sharded over processes (FSDP) vs whole copies (DDP) (bench/train-sharding.ts, ${values.model})`,
    `bash scripts/with-node.sh bench/train-sharding.ts --model ${values.model} --processes ${PROCESSES} --steps ${STEPS} --append`,
    body,
  );
await rm(home, { recursive: true, force: true });
