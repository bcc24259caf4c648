/**
 * LoRA trainer step speed (issue #15 item 8): the worker's loss against a plain PyTorch + PEFT loop on the
 * same model, rank, targets, length-grouped batches (4 chats) and threads (2), on two shapes of real training
 * data built from clapnq: closed-book chats (question → answer) and RAG chats (passage + question → answer,
 * the shape of ft-rag and RAFT data, where most tokens are prompt). Variants, run one after another per shape:
 * plain (transformers' loss from `labels`, full logits, fp32), attune (logits only at answer positions, fp32:
 * the same loss), attune-bf16 (the same under bf16 autocast, `attune tune --mixed-precision bf16`).
 * Tokens/s counts non-padding tokens over the steps after the first two.
 *
 *   bash scripts/with-node.sh bench/lora-speed.ts [--model smollm2-135m] [--rounds 1] [--append]
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, modelsDir } from '../src/config/paths.ts';
import { CATALOG } from '../src/models/catalog.ts';
import { ensurePythonEnv, PYTHON_DIR } from '../src/models/python-env.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

const { values: flags } = parseArgs({
  options: {
    model: { type: 'string', default: 'smollm2-135m' },
    rounds: { type: 'string', default: '1' },
    append: { type: 'boolean', default: false },
  },
});
const entry = CATALOG.find((m) => m.name === flags.model);
if (!entry) throw new Error(`unknown catalog model ${flags.model}`);
const python = await ensurePythonEnv();
const load = [loadavg()[0]!];
const SHAPES = { closed: 14, rag: 8 } as const;
const VARIANTS = ['plain', 'attune', 'attune-bf16'] as const;
type Run = {
  tokens_per_second: number;
  answer_share: number;
  padding_share: number;
  mean_tokens: number;
  losses: number[];
};

function run(shape: keyof typeof SHAPES, variant: string): Promise<Run> {
  const args = [join(import.meta.dirname, 'lora_step.py'), PYTHON_DIR, modelsDir(), entry!.file, cacheDir()];
  args.push(shape, variant, String(SHAPES[shape]), join(datasetsDir, 'clapnq', 'clapnq_dev_answerable.jsonl'));
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Run) : reject(new Error(err.slice(-1500))),
    );
  });
}

const results = new Map<string, Run[]>();
for (let round = 0; round < Number(flags.rounds); round++) {
  for (const shape of Object.keys(SHAPES) as (keyof typeof SHAPES)[]) {
    for (const variant of VARIANTS) {
      process.stderr.write(`round ${round + 1}: ${shape} ${variant}…\n`);
      const key = `${shape}:${variant}`;
      results.set(key, [...(results.get(key) ?? []), await run(shape, variant)]);
    }
  }
}
load.push(loadavg()[0]!);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: (string | number)[][] = [];
for (const shape of Object.keys(SHAPES) as (keyof typeof SHAPES)[]) {
  const plain = median(results.get(`${shape}:plain`)!.map((r) => r.tokens_per_second));
  for (const variant of VARIANTS) {
    const runs = results.get(`${shape}:${variant}`)!;
    const tps = median(runs.map((r) => r.tokens_per_second));
    const sameLoss = runs[0]!.losses.every(
      (l, i) => Math.abs(l - results.get(`${shape}:plain`)![0]!.losses[i]!) < 1e-4,
    );
    rows.push([
      shape === 'rag' ? 'RAG (passage + question → answer)' : 'closed-book (question → answer)',
      `${Math.round(runs[0]!.mean_tokens)} tokens, ${(100 * runs[0]!.answer_share).toFixed(0)}% answer, ${(100 * runs[0]!.padding_share).toFixed(1)}% padding`,
      variant,
      Number(tps.toFixed(1)),
      `${(tps / plain).toFixed(2)}×`,
      variant === 'plain' ? '–' : sameLoss ? 'yes' : 'no',
    ]);
  }
}
const table = markdownTable(
  [
    'training data',
    'mean chat, answer share, padding share of the batches',
    'loss computed by',
    'tokens/s',
    'vs plain',
    'same losses as plain (1e-4)',
  ],
  rows,
);
const body = `Model ${entry.name} (the dequantised GGUF, as \`attune tune\` trains it), LoRA rank 16 on all attention and MLP projections, batches of 4 length-grouped chats (the worker's \`batches\`), 2 threads, AdamW; ${SHAPES.closed} steps (closed-book) and ${SHAPES.rag} steps (RAG), the first two not timed; ${flags.rounds} round(s), medians. The first 64 clapnq answerable dev questions with their gold passage (≤ 1,500 characters) and answer (≤ 300 characters). Padding share: the padding tokens in the batches over all their positions, the most that packing the chats into rows without padding could save. 1-minute load average at start and end: ${load.map((l) => l.toFixed(1)).join(' and ')}.\n\n${table}`;
console.log(body);
if (flags.append)
  appendBenchmark(
    `LoRA trainer step speed against a plain PyTorch + PEFT loop (bench/lora-speed.ts, ${entry.name})`,
    `bash scripts/with-node.sh bench/lora-speed.ts --model ${entry.name} --rounds ${flags.rounds} --append`,
    body,
  );
