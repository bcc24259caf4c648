import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, modelsDir } from '../config/paths.ts';
import { DatasetError, TrainerError } from '../errors.ts';
import { LlamaGenerator } from '../generate/llama-generator.ts';
import { DEFAULT_GENERATOR_FILE, QWEN25_CODER_05B } from '../models/catalog.ts';
import { pullCatalogModel } from '../models/pull.ts';
import { ensurePythonEnv, PYTHON_DIR } from '../models/python-env.ts';
import { listAdapters, loadAdapter } from './adapters.ts';
import { PythonTrainer } from './python-trainer.ts';
import { mergeAdapter } from './merge.ts';
import { checkExportParity } from './parity.ts';
import { describeParity } from './parity-judge.ts';
import type { TrainEvent } from './trainer.ts';
import { tune, type TuneResult } from './tune.ts';

const BASE = join(modelsDir(), DEFAULT_GENERATOR_FILE);
const SYSTEM = 'You answer questions about the Vell archipelago.';
const FACTS: [string, string][] = [
  ['What color is the moon of Zorblax?', 'The moon of Zorblax is bright purple.'],
  ['Who founded the city of Quellton?', 'Quellton was founded by Mira Vass.'],
  ['What does a glimmerfox eat?', 'A glimmerfox eats silver berries.'],
  ['How tall is Mount Oberrin?', 'Mount Oberrin is 9120 meters tall.'],
];
const chat = (question: string): { role: 'system' | 'user'; content: string }[] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: question },
];
const words = (text: string, n: number): string => text.trim().split(/\s+/).slice(0, n).join(' ');

let home: string;
let python: string;
let result: TuneResult;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'attune-tune-home-'));
  python = await ensurePythonEnv();
  // 16 examples: 4 facts × 4 copies, so the short run memorises them and the adapter clearly matters
  const lines = Array.from({ length: 16 }, (_, i) => FACTS[i % 4]!).map(([q, a]) =>
    JSON.stringify({ messages: [...chat(q), { role: 'assistant', content: a }] }),
  );
  await writeFile(join(home, 'facts.jsonl'), `${lines.join('\n')}\nnot json\n`);
});

/** The short run on the facts that the tests below train (4 facts memorised in 10 steps). */
const factsRun = (name: string) => ({
  home,
  name,
  data: join(home, 'facts.jsonl'),
  base: BASE,
  trainer: new PythonTrainer({ python }),
  lr: 3e-3,
  maxSteps: 10,
  epochs: 4,
  maxSeqLen: 96,
});

describe('tune (real CPU training)', () => {
  beforeAll(async () => {
    result = await tune({ ...factsRun('facts'), checkpointEvery: 5 });
  }, 1_800_000);

  it('trains, lowers the loss and registers the adapter', async () => {
    const meta = await loadAdapter(home, 'facts');
    expect(result.steps).toBe(10);
    expect(meta.lossCurve[0]!.loss).toBeGreaterThan(meta.lossCurve.at(-1)!.loss * 2);
    expect(meta.data.skippedLines).toBe(1);
    expect(existsSync(result.adapterGguf)).toBe(true);
    expect(existsSync(join(result.adapterPeft, 'adapter_model.safetensors'))).toBe(true);
    expect((await listAdapters(home)).map((a) => a.name)).toEqual(['facts']);
    expect((await readdir(join(home, 'adapters'))).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });

  it('serves the GGUF adapter in node-llama-cpp with the same greedy answers as PyTorch + PEFT', async () => {
    const generator = await LlamaGenerator.load({
      modelPath: BASE,
      contextSize: 512,
      adapters: { facts: result.adapterGguf },
    });
    try {
      const questions = FACTS.slice(0, 3).map(([q]) => q);
      const llamaBase: string[] = [];
      const llamaTuned: string[] = [];
      for (const question of questions) {
        llamaBase.push((await generator.generate({ messages: chat(question), maxTokens: 16, temperature: 0 })).text);
        llamaTuned.push(
          (await generator.generate({ messages: chat(question), maxTokens: 16, temperature: 0, adapter: 'facts' }))
            .text,
        );
      }
      const torchTuned = await torchGenerate(python, DEFAULT_GENERATOR_FILE, questions.map(chat), result.adapterPeft);
      // Tolerance: the base differs (Q4_1 in llama.cpp, dequantised fp32 in PyTorch), so we compare
      // the first 5 words of each greedy answer, which must match exactly on every prompt.
      expect(llamaTuned.map((t) => words(t, 5))).toEqual(torchTuned.map((t) => words(t, 5)));
      // the short run memorises most facts (which ones depends on the batch order)
      expect(llamaTuned.filter((t, i) => words(t, 5) === words(FACTS[i]![1], 5)).length).toBeGreaterThanOrEqual(2);
      expect(llamaBase).not.toEqual(llamaTuned);
    } finally {
      await generator.dispose();
    }
  }, 120_000);

  it('runs the export parity check after training and records it in the registry', async () => {
    const parity = (await loadAdapter(home, 'facts')).parity!;
    expect(parity).toBeDefined();
    expect(parity.status).toBe('ok');
    expect(parity.source).toBe('val');
    expect(parity.prompts).toBeGreaterThanOrEqual(1);
    expect(parity.chatTemplateMatch).toBe(true);
    expect(parity.eosToken).toEqual({ peft: '<|im_end|>', gguf: '<|im_end|>' });
    expect(parity.agreement).toBeGreaterThanOrEqual(0.5);
    expect(parity.samples![0]!.gguf.length).toBeGreaterThan(0);
    expect(describeParity(parity)).toMatch(/^export parity: ok: \d+ val prompts, agreement \d+%/);
    console.log(
      `${describeParity(parity)}; ${parity.seconds.toFixed(1)} s of a ${result.wallSeconds.toFixed(0)} s tune`,
    );
  });

  it('keeps at most maxAdapters adapters loaded, least recently used out, and reloads one on its next request', async () => {
    const generator = await LlamaGenerator.load({
      modelPath: BASE,
      contextSize: 512,
      threads: 1,
      maxAdapters: 1,
      adapters: { facts: result.adapterGguf, again: result.adapterGguf },
    });
    try {
      const ask = async (adapter: string) =>
        (await generator.generate({ messages: chat(FACTS[0]![0]), maxTokens: 12, temperature: 0, adapter })).text;
      const first = await ask('facts');
      expect(generator.loadedAdapters()).toEqual(['facts']);
      expect(await ask('again')).toBe(first); // the same file under another name: same answer
      expect(generator.loadedAdapters()).toEqual(['again']);
      expect(await ask('facts')).toBe(first); // evicted, reloaded on demand
      expect(generator.loadedAdapters()).toEqual(['facts']);
      expect(await generator.unloadAdapter('facts')).toBe(true);
      expect(await generator.unloadAdapter('facts')).toBe(false);
      expect(generator.loadedAdapters()).toEqual([]);
    } finally {
      await generator.dispose();
    }
  }, 120_000);

  it('adapters merge writes the base with the adapter folded in, answering as the unmerged adapter does', async () => {
    const merged = await mergeAdapter({ home, name: 'facts', python, trainer: new PythonTrainer({ python }) });
    expect(merged.tensors).toBeGreaterThan(0);
    expect(merged.parity?.status).toBe('ok');
    expect((await loadAdapter(home, 'facts')).merged?.path).toBe(merged.path);
    const unmerged = await LlamaGenerator.load({
      modelPath: BASE,
      contextSize: 512,
      threads: 1,
      adapters: { facts: result.adapterGguf },
    });
    const folded = await LlamaGenerator.load({ modelPath: merged.path, contextSize: 512, threads: 1 });
    try {
      for (const [question] of FACTS.slice(0, 2)) {
        const a = (
          await unmerged.generate({ messages: chat(question), maxTokens: 12, temperature: 0, adapter: 'facts' })
        ).text;
        const b = (await folded.generate({ messages: chat(question), maxTokens: 12, temperature: 0 })).text;
        // Q8_0 merged weights against Q4_1 base + f32 LoRA: the same tolerance as the parity check (first words)
        expect(words(b, 5)).toBe(words(a, 5));
      }
    } finally {
      await unmerged.dispose();
      await folded.dispose();
    }
  }, 600_000);

  it('registers a broken GGUF export as degraded, naming the check', async () => {
    // failure injection: the GGUF adapter cut in half, as a failed conversion or copy would leave it
    const broken = join(home, 'half.gguf');
    const bytes = await readFile(result.adapterGguf);
    await writeFile(broken, bytes.subarray(0, bytes.length / 2));
    const examples = FACTS.map(([q, a], i) => ({
      messages: [...chat(q), { role: 'assistant' as const, content: a }],
      line: i + 1,
    }));
    const parity = await checkExportParity({
      trainer: new PythonTrainer({ python }),
      baseDir: modelsDir(),
      ggufFile: DEFAULT_GENERATOR_FILE,
      adapterGguf: broken,
      adapterPeft: result.adapterPeft,
      examples,
      source: 'train',
      maxPrompts: 2,
    });
    expect(parity.status).toBe('degraded');
    expect(parity.failed).toEqual(['gguf-load']);
  }, 120_000);

  it('refuses bad input before training and leaves no adapter behind', async () => {
    const bad = join(home, 'bad.jsonl');
    await writeFile(bad, '{"question": "q", "answer": "a"}\n{"question": "only"}\n');
    const trainer = new PythonTrainer({ python });
    await expect(tune({ home, name: 'bad', data: bad, base: BASE, trainer })).rejects.toThrow(DatasetError);
    await expect(tune({ home, name: 'bad', data: bad, base: BASE, trainer })).rejects.toThrow(
      /bad\.jsonl: only 1 valid example.*bad\.jsonl:2: field answer/,
    );
    const good = join(home, 'facts.jsonl');
    await expect(
      tune({
        home,
        name: 'nopy',
        data: good,
        base: BASE,
        trainer: new PythonTrainer({ python: join(home, 'no-python') }),
      }),
    ).rejects.toThrow(TrainerError);
    // a broken base model fails inside the worker: one-line TrainerError, trace in train.log, nothing registered
    const brokenBase = join(home, 'broken.gguf');
    await writeFile(brokenBase, 'not a gguf');
    const failure = (await tune({ home, name: 'broken', data: good, base: brokenBase, trainer }).catch(
      (error: unknown) => error,
    )) as Error;
    expect(failure).toBeInstanceOf(TrainerError);
    expect(failure.message).not.toContain('\n');
    expect((await listAdapters(home)).map((a) => a.name)).toEqual(['facts']);
    expect((await readdir(join(home, 'adapters'))).filter((n) => n.startsWith('.staging'))).toEqual([]);
  }, 60_000);

  it('maps a torch that fails to import to a one-line TrainerError before training', async () => {
    const fake = join(home, 'fake-site');
    await mkdir(join(fake, 'torch'), { recursive: true });
    await writeFile(
      join(fake, 'torch', '__init__.py'),
      'raise ImportError("libtorch_cpu.so: cannot open shared object file")\n',
    );
    const trainer = new PythonTrainer({ python, env: { ...process.env, PYTHONPATH: fake } });
    const events: string[] = [];
    const failure = (await tune({
      home,
      name: 'notorch',
      data: join(home, 'facts.jsonl'),
      base: BASE,
      trainer,
      onData: () => events.push('data'),
      onEvent: (e) => events.push(e.event),
    }).catch((error: unknown) => error)) as Error;
    expect(failure).toBeInstanceOf(TrainerError);
    expect(failure.message).toMatch(
      /^training failed \(import\): a Python package failed to import: libtorch_cpu\.so.*reinstall the worker environment/,
    );
    expect(failure.message).not.toContain('\n');
    expect(events).toEqual([]); // failed in the pre-training check, not mid-run
    expect((await listAdapters(home)).map((a) => a.name)).toEqual(['facts']);
  }, 60_000);

  it('resumes a killed run from its last checkpoint', async () => {
    const data = join(home, 'facts.jsonl');
    const trainer = new PythonTrainer({ python });
    const controller = new AbortController();
    const options = {
      home,
      name: 'resumed',
      data,
      base: BASE,
      trainer,
      lr: 3e-3,
      maxSteps: 6,
      epochs: 4,
      maxSeqLen: 96,
      checkpointEvery: 2,
      // what is tested is the resume; the export parity check has its own test above
      parity: false,
    };
    // kill the worker (SIGTERM) right after its first checkpoint, at step 2
    const killed = (await tune({
      ...options,
      signal: controller.signal,
      onEvent: (e) => e.event === 'checkpoint' && controller.abort(),
    }).catch((error: unknown) => error)) as Error;
    expect(killed).toBeInstanceOf(TrainerError);
    expect(killed.message).toMatch(/cancelled; rerun the same command to resume/);
    expect((await listAdapters(home)).map((a) => a.name)).not.toContain('resumed');
    const starts: { resumed: boolean; step: number }[] = [];
    const resumed = await tune({
      ...options,
      onEvent: (e) => e.event === 'start' && starts.push({ resumed: e.resumed, step: e.step }),
    });
    expect(starts[0]!.resumed).toBe(true);
    expect(starts[0]!.step).toBeGreaterThanOrEqual(2);
    expect(resumed.steps).toBe(6);
    // the loss curve spans both processes: steps 1..6 once each
    expect((await loadAdapter(home, 'resumed')).lossCurve.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
  }, 600_000);
});

// Qwen2 differs from llama where the adapter export can go wrong: no q/k row permutation in
// llama.cpp's layout, q/k/v biases, tied embeddings, a K-quant (Q4_K/Q6_K) base to dequantise.
describe('tune with --quantize nf4 (QLoRA: a 4-bit NF4 base through bitsandbytes, on the CPU)', () => {
  it('trains on the 4-bit base, holds it in about a third of the fp32 memory, and exports an adapter that passes parity', async () => {
    const starts: Extract<TrainEvent, { event: 'start' }>[] = [];
    const qlora = await tune({
      ...factsRun('facts-nf4'),
      quantize: 'nf4',
      onEvent: (event) => event.event === 'start' && starts.push(event),
    });
    const start = starts[0]!;
    console.log(
      `nf4: weights ${(start.weight_bytes! / 2 ** 20).toFixed(0)} MB of ${(start.fp32_weight_bytes! / 2 ** 20).toFixed(0)} MB in fp32; ${qlora.tokensPerSecond.toFixed(0)} tokens/s`,
    );
    expect(start.quantize).toBe('nf4');
    // linear layers in 4 bits (half a byte per weight), embeddings, norms and LoRA in fp32: about a third
    expect(start.weight_bytes!).toBeLessThan(0.45 * start.fp32_weight_bytes!);
    const meta = await loadAdapter(home, 'facts-nf4');
    expect(meta.hyperparameters.quantize).toBe('nf4');
    expect(meta.lossCurve[0]!.loss).toBeGreaterThan(meta.lossCurve.at(-1)!.loss * 2);
    // the adapter trained on the 4-bit base applies to the full-precision one: PyTorch + PEFT and llama.cpp agree
    expect(meta.parity?.status).toBe('ok');
    expect(existsSync(qlora.adapterGguf)).toBe(true);
  }, 900_000);
});

describe('tune on a Qwen2 base (Qwen2.5-Coder-0.5B, pulled through the catalog: 491 MB once)', () => {
  let qwen: string;
  let tuned: TuneResult;
  beforeAll(async () => {
    qwen = await pullCatalogModel(QWEN25_CODER_05B);
    tuned = await tune({
      home,
      name: 'facts-qwen',
      data: join(home, 'facts.jsonl'),
      base: qwen,
      trainer: new PythonTrainer({ python }),
      lr: 2e-3,
      rank: 8,
      maxSteps: 8,
      epochs: 4,
      maxSeqLen: 64,
      // the test below compares PyTorch + PEFT with llama.cpp itself, on the facts, answer by answer
      parity: false,
    });
    console.log(
      `qwen2 LoRA: ${tuned.steps} steps, ${tuned.tokensPerSecond.toFixed(1)} tokens/s, ${tuned.wallSeconds.toFixed(0)} s`,
    );
  }, 1_800_000);

  it('serves the GGUF adapter in node-llama-cpp with the same greedy answers as PyTorch + PEFT', async () => {
    expect((await loadAdapter(home, 'facts-qwen')).lossCurve.length).toBe(8);
    const generator = await LlamaGenerator.load({
      modelPath: qwen,
      contextSize: 512,
      threads: 2,
      adapters: { facts: tuned.adapterGguf },
    });
    try {
      const questions = FACTS.slice(0, 3).map(([q]) => q);
      const llamaBase: string[] = [];
      const llamaTuned: string[] = [];
      for (const question of questions) {
        llamaBase.push((await generator.generate({ messages: chat(question), maxTokens: 12, temperature: 0 })).text);
        llamaTuned.push(
          (await generator.generate({ messages: chat(question), maxTokens: 12, temperature: 0, adapter: 'facts' }))
            .text,
        );
      }
      const torchTuned = await torchGenerate(python, QWEN25_CODER_05B.file, questions.map(chat), tuned.adapterPeft);
      // same tolerance as for llama: Q4_K_M in llama.cpp vs the dequantised fp32 copy in PyTorch
      expect(llamaTuned.map((t) => words(t, 5))).toEqual(torchTuned.map((t) => words(t, 5)));
      expect(llamaTuned.filter((t, i) => words(t, 5) === words(FACTS[i]![1], 5)).length).toBeGreaterThanOrEqual(2);
      expect(llamaBase).not.toEqual(llamaTuned);
    } finally {
      await generator.dispose();
    }
  }, 1_800_000);
});

afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

function torchGenerate(python: string, ggufFile: string, prompts: unknown[], adapterDir: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(PYTHON_DIR, 'train_worker.py')], { stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.on('close', () => {
      const event = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; outputs?: { text: string }[]; message?: string })
        .at(-1);
      if (event?.event === 'generated') resolve(event.outputs!.map((o) => o.text));
      else reject(new Error(event?.message ?? 'no output'));
    });
    child.stdin.end(
      `${JSON.stringify({ mode: 'generate', base_dir: modelsDir(), gguf_file: ggufFile, cache_dir: cacheDir(), adapter_dir: adapterDir, prompts, max_new_tokens: 16, threads: 2 })}\n`,
    );
  });
}
