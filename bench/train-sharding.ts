/**
 * bench/train-sharding: where LoRA training keeps the base. One process (fp32), one process on a 4-bit NF4 base
 * (`--quantize nf4`, QLoRA), N CPU processes each holding the whole model (ddp), and the model sharded over them
 * (`--sharding fsdp`, torch FSDP2): the same data, global batch and seed. Reports each rank's share of the weights
 * and their bytes, each rank's peak and end-of-training RSS, tokens/s, and the loss curves against one process.
 *   bash scripts/with-node.sh bench/train-sharding.ts [--model qwen2.5-coder-0.5b] [--runs one,nf4,ddp,fsdp] [--processes 2] [--steps 6] [--append]
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
import { toyFactsJsonl } from '../src/testing/toy-facts.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'qwen2.5-coder-0.5b' },
    processes: { type: 'string', default: '2' },
    steps: { type: 'string', default: '6' },
    runs: { type: 'string', default: 'one,nf4,ddp,fsdp' },
    append: { type: 'boolean', default: false },
  },
  strict: true,
});
const PROCESSES = Number(values.processes);
const STEPS = Number(values.steps);
if (!Number.isInteger(PROCESSES) || PROCESSES < 2) throw new Error('--processes: an integer ≥ 2');
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error('--steps: a positive integer');
const RUNS = values.runs.split(',');
if (RUNS[0] !== 'one' || RUNS.some((r) => !['one', 'nf4', 'ddp', 'fsdp'].includes(r)))
  throw new Error('--runs: one first (the reference), then any of nf4, ddp, fsdp');
const base = resolveModel(values.model).path;
const home = await mkdtemp(join(tmpdir(), 'attune-bench-sharding-'));
const python = await ensurePythonEnv();
const data = join(home, 'facts.jsonl');
await writeFile(data, toyFactsJsonl(32));

async function run(name: string) {
  const processes = name === 'ddp' || name === 'fsdp' ? PROCESSES : 1;
  const sharding = processes > 1 ? (name as 'ddp' | 'fsdp') : undefined;
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
    ...(name === 'nf4' ? { quantize: 'nf4' as const } : {}),
    onEvent: (event) => {
      if (event.event === 'start') start = event;
      if (event.event === 'done') done = event;
    },
  });
  const curve = (await loadAdapter(join(home, name), name)).lossCurve.map((p) => p.loss);
  return { name, processes, result, curve, start, done };
}

const runs = [];
for (const name of RUNS) runs.push(await run(name));
const reference = runs[0]!.curve;
const table = markdownTable(
  [
    'run',
    'weights held per rank (share, MB in memory)',
    'peak RSS per rank while training, MB',
    'RSS per rank at the end of training, MB',
    'tune wall s',
    'tokens/s',
    'loss, first → last step',
    'max |Δ loss| vs 1 process',
  ],
  runs.map((r) => {
    const total = r.start?.parameters ?? Number.NaN;
    const held = r.start?.rank_parameters ?? [total];
    // the bytes one rank's weights take: fp32 except the 4-bit linear layers of an nf4 base
    const bytes = (r.start?.weight_bytes ?? Number.NaN) / 2 ** 20;
    return [
      r.name === 'one' ? '1 process' : r.name === 'nf4' ? '1 process, nf4 base' : `${r.processes} processes, ${r.name}`,
      held.map((n) => `${((100 * n) / total).toFixed(0)}% (${Math.round(bytes)} MB)`).join(' / '),
      (r.done?.rank_peak_rss_mb ?? [r.done?.peak_rss_mb ?? Number.NaN]).join(' / '),
      (r.done?.rank_end_rss_mb ?? []).join(' / '),
      r.result.wallSeconds.toFixed(0),
      r.result.tokensPerSecond.toFixed(1),
      `${r.curve[0]?.toFixed(3)} → ${r.curve.at(-1)?.toFixed(3)}`,
      Math.max(...reference.map((loss, i) => Math.abs(loss - (r.curve[i] ?? Number.NaN)))).toExponential(1),
    ];
  }),
);
const body = `
Model ${values.model} (the dequantised fp32 base, ${((runs[0]!.start?.parameters ?? 0) / 1e6).toFixed(0)}M weights), 32 short chats (4 facts),
global batch 4, ${STEPS} steps, seed 42, LoRA rank 16, LoRA dropout off, lr 3e-3, no parity check. nf4 = \`attune tune --quantize nf4\`
(bitsandbytes NF4 with double quantisation, bf16 compute; norms, embeddings and LoRA in fp32). ${PROCESSES} processes =
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
    `LoRA training: whole copies (DDP), sharded (FSDP), a 4-bit base (QLoRA) (bench/train-sharding.ts, ${values.model})`,
    `bash scripts/with-node.sh bench/train-sharding.ts --model ${values.model} --runs ${RUNS.join(',')} --processes ${PROCESSES} --steps ${STEPS} --append`,
    body,
  );
await rm(home, { recursive: true, force: true });
