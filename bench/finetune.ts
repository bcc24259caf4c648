/**
 * bench/finetune: LoRA on fictional-knowledge documents (+ paraphrases), probe accuracy before/after,
 * and the trainer's tokens/s vs a plain PyTorch LoRA loop on the same model, batch and sequence length.
 *   bash scripts/with-node.sh bench/finetune.ts [--docs 4] [--max-steps 240]   (about 10 minutes on 2 cores)
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir, modelsDir } from '../src/config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../src/models/catalog.ts';
import { ensurePythonEnv, PYTHON_DIR } from '../src/models/python-env.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { PythonTrainer } from '../src/tune/python-trainer.ts';
import { tune } from '../src/tune/tune.ts';

const { values } = parseArgs({
  options: { docs: { type: 'string', default: '4' }, 'max-steps': { type: 'string', default: '240' } },
});
const DOCS = Number(values.docs);
const MAX_STEPS = Number(values['max-steps']);
const SEQ = 96;
const BATCH = 4;
interface Doc {
  train_context: string;
  paraphrases: string[];
  mem_input: string[];
  mem_target: string[];
  gen_input: string[];
  gen_target: string[];
}
const docs = (
  JSON.parse(
    await readFile(join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge_paraphrased.json'), 'utf8'),
  ) as Doc[]
).slice(0, DOCS);

// training text → "continue the text" chats: every sentence of the document and its paraphrases,
// cut in half; the probes are asked the same way (cloze prefix → continuation)
const PROMPT = 'Continue the text: ';
const examples: string[] = [];
for (const doc of docs) {
  for (const text of [doc.train_context, ...doc.paraphrases]) {
    for (const sentence of text.split(/(?<=[.!?])\s+/).filter((s) => s.split(' ').length >= 8)) {
      const words = sentence.split(' ');
      const cut = Math.floor(words.length / 2);
      examples.push(
        JSON.stringify({
          messages: [
            { role: 'user', content: PROMPT + words.slice(0, cut).join(' ') },
            { role: 'assistant', content: words.slice(cut).join(' ') },
          ],
        }),
      );
    }
  }
}
const home = await mkdtemp(join(tmpdir(), 'attune-bench-ft-'));
const dataFile = join(home, 'train.jsonl');
await writeFile(dataFile, `${examples.join('\n')}\n`);
const python = await ensurePythonEnv();
const probes = docs.flatMap((doc) => [
  ...doc.mem_input.map((input, i) => ({ kind: 'memorization', input, target: doc.mem_target[i]! })),
  ...doc.gen_input.map((input, i) => ({ kind: 'generalization', input, target: doc.gen_target[i]! })),
]);

async function probeAccuracy(adapterDir?: string): Promise<Record<string, number>> {
  const outputs = (await worker({
    mode: 'generate',
    base_dir: modelsDir(),
    gguf_file: DEFAULT_GENERATOR_FILE,
    cache_dir: cacheDir(),
    adapter_dir: adapterDir,
    prompts: probes.map((p) => [{ role: 'user', content: PROMPT + p.input }]),
    max_new_tokens: 12,
  })) as { text: string }[];
  const score: Record<string, number> = {};
  for (const kind of ['memorization', 'generalization']) {
    const hits = probes.map((p, i) => ({ p, text: outputs[i]!.text })).filter(({ p }) => p.kind === kind);
    score[kind] =
      hits.filter(({ p, text }) => text.toLowerCase().includes(p.target.toLowerCase())).length / hits.length;
  }
  return score;
}

function worker(config: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(PYTHON_DIR, 'train_worker.py')], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => {
      const event = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
        event: string;
        outputs?: unknown;
        message?: string;
      };
      event.event === 'generated' ? resolve(event.outputs) : reject(new Error(event.message ?? 'worker failed'));
    });
    child.stdin.end(`${JSON.stringify(config)}\n`);
  });
}

// The reference: a plain PyTorch + PEFT loop on the same model, rank, targets, batch size and the SAME
// batches (the worker's tokenisation and padding of the same train.jsonl), so tokens/s count the same
// non-padding tokens; it leaves out what the trainer adds: grad clipping, the LR schedule, events, eval, checkpoints.
const PLAIN_LOOP = `
import json, os, random, sys, time, torch
sys.path.insert(0, sys.argv[6])
from train_worker import batches, encode, load_model, load_tokenizer, read_jsonl
from peft import LoraConfig, get_peft_model
torch.manual_seed(0); torch.set_num_threads(os.cpu_count())
config = {'base_dir': sys.argv[1], 'gguf_file': sys.argv[2], 'cache_dir': sys.argv[7]}
batch, steps, train_file = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
tokenizer = load_tokenizer(config)
data = [encode(tokenizer, e) for e in read_jsonl(train_file)]
groups = list(batches(data, batch, tokenizer.pad_token_id, random.Random(42)))  # the trainer's length-grouped batching
m = get_peft_model(load_model(config), LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05,
    target_modules=['q_proj','k_proj','v_proj','o_proj','gate_proj','up_proj','down_proj'], task_type='CAUSAL_LM'))
m.train()
opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=2e-4)
seconds, tokens = 0.0, 0
for i in range(steps):
    x, y, mask = groups[i % len(groups)]
    t = time.perf_counter()
    m(input_ids=x, attention_mask=mask, labels=y).loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    seconds += time.perf_counter() - t; tokens += int(mask.sum())
sys.__stdout__.write(json.dumps({'tokens_per_second': tokens / seconds}) + '\\n')  # train_worker sends print() to stderr
`;
async function plainLoopTokensPerSecond(trainFile: string, steps: number): Promise<number> {
  const script = join(home, 'plain_loop.py');
  await writeFile(script, PLAIN_LOOP);
  return new Promise((resolve, reject) => {
    const child = spawn(
      python,
      [script, modelsDir(), DEFAULT_GENERATOR_FILE, String(BATCH), String(steps), trainFile, PYTHON_DIR, cacheDir()],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve((JSON.parse(out.trim().split('\n').at(-1)!) as { tokens_per_second: number }).tokens_per_second)
        : reject(new Error(`plain loop exit ${code}`)),
    );
  });
}

const plain = await plainLoopTokensPerSecond(dataFile, Math.min(MAX_STEPS, 40));
const before = await probeAccuracy();
const result = await tune({
  home,
  name: 'fictional',
  data: dataFile,
  base: join(modelsDir(), DEFAULT_GENERATOR_FILE),
  trainer: new PythonTrainer({ python }),
  lr: 1e-3,
  epochs: 20,
  maxSteps: MAX_STEPS,
  maxSeqLen: SEQ,
  batchSize: BATCH,
  patience: 100,
});
const after = await probeAccuracy(result.adapterPeft);

const rows = [
  ['examples (sentence continuations)', String(examples.length)],
  ['steps', String(result.steps)],
  ['train loss / val loss', `${result.trainLoss.toFixed(3)} / ${result.valLoss?.toFixed(3) ?? '-'}`],
  ['memorization probes before → after', `${before.memorization!.toFixed(2)} → ${after.memorization!.toFixed(2)}`],
  [
    'generalization probes before → after',
    `${before.generalization!.toFixed(2)} → ${after.generalization!.toFixed(2)}`,
  ],
  ['trainer tokens/s (non-padding tokens)', result.tokensPerSecond.toFixed(1)],
  [`plain PyTorch LoRA loop tokens/s (same batches of ${BATCH}, non-padding tokens)`, plain.toFixed(1)],
  ['ratio trainer / plain', (result.tokensPerSecond / plain).toFixed(2)],
  ['wall seconds (tune)', result.wallSeconds.toFixed(0)],
];
const table = ['| measure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
console.log(table);
await appendFile(
  join(import.meta.dirname, '..', 'BENCHMARKS.md'),
  `\n## finetune (LoRA, fictional-knowledge, ${DOCS} documents + paraphrases)\n\n- date: ${new Date().toISOString()}\n- machine: ${cpus().length}-core ${process.arch} CPU, no GPU (shared with other work while measured)\n- command: \`bash scripts/with-node.sh bench/finetune.ts --docs ${DOCS} --max-steps ${MAX_STEPS}\`\n- data: every sentence of each document and of its 9 paraphrases as a chat "Continue the text: <first half>" → second half (chat form because attune serves adapters through chat; sentence halves because the probes are cloze prefixes); 10% held out for validation\n- probes: greedy 12-token continuation of each cloze prefix (PyTorch, dequantised base ± PEFT adapter) contains the target span\n\n${table}\n`,
);
