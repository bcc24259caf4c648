/**
 * What serving LoRA adapters costs in llama.cpp (node-llama-cpp, CPU): tokens/s and time to first token of
 * the base model, of an unmerged adapter (a context with the LoRA applied) and of a merged GGUF, and the cost
 * of a hot swap (LRU limit 1, requests alternating between two adapters: each one disposes a context and
 * creates another). Greedy answers of a few short questions, same prompts for every row.
 *
 *   bash scripts/with-node.sh bench/adapter-serving.ts --adapters A.gguf,B.gguf [--merged M.gguf] [--requests 6] [--max-tokens 32] [--threads 1] [--append]
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { modelsDir } from '../src/config/paths.ts';
import { LlamaGenerator } from '../src/generate/llama-generator.ts';
import { DEFAULT_GENERATOR_FILE } from '../src/models/catalog.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';

const { values } = parseArgs({
  options: {
    adapters: { type: 'string' },
    merged: { type: 'string' },
    model: { type: 'string', default: join(modelsDir(), DEFAULT_GENERATOR_FILE) },
    requests: { type: 'string', default: '6' },
    'max-tokens': { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
    append: { type: 'boolean' },
  },
});
const adapterFiles = (values.adapters ?? '').split(',').filter(Boolean);
if (adapterFiles.length < 2)
  throw new Error(
    '--adapters A.gguf,B.gguf: two GGUF adapters of the base model are needed (one to measure, one to swap with)',
  );
const requests = Number(values.requests);
const maxTokens = Number(values['max-tokens']);
const threads = Number(values.threads);
const QUESTIONS = [
  'When is the support desk open?',
  'Who approves holiday requests?',
  'How do I reset my password?',
  'What is the travel budget?',
];
const messages = (i: number) => [
  { role: 'system' as const, content: 'You answer questions about the company handbook.' },
  { role: 'user' as const, content: QUESTIONS[i % QUESTIONS.length]! },
];

interface Sample {
  firstTokenMs: number;
  tokensPerSecond: number;
  totalMs: number;
}
async function measure(generator: LlamaGenerator, adapterOf: (i: number) => string | undefined): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < requests; i += 1) {
    const result = await generator.generate({
      messages: messages(i),
      maxTokens,
      temperature: 0,
      adapter: adapterOf(i),
    });
    const decodeMs = result.totalMs - (result.firstTokenMs ?? 0);
    samples.push({
      firstTokenMs: result.firstTokenMs ?? result.totalMs,
      totalMs: result.totalMs,
      tokensPerSecond: result.usage.completionTokens / Math.max(decodeMs / 1000, 1e-9),
    });
  }
  return samples;
}
const median = (values: number[]) => percentileOf(values, 50);
const row = (name: string, samples: Sample[], note: string) => [
  name,
  samples.length,
  median(samples.map((s) => s.firstTokenMs)),
  median(samples.map((s) => s.tokensPerSecond)),
  median(samples.map((s) => s.totalMs)),
  note,
];

const rows: (string | number)[][] = [];
const rss = () => process.memoryUsage().rss / 2 ** 20;
const adapters = Object.fromEntries(adapterFiles.map((file, i) => [`a${i}`, file]));
{
  const generator = await LlamaGenerator.load({
    modelPath: values.model!,
    contextSize: 1024,
    threads,
    adapters,
    maxAdapters: adapterFiles.length,
  });
  await generator.generate({ messages: messages(0), maxTokens: 4 }); // warm-up: first context, page cache
  rows.push(row('base', await measure(generator, () => undefined), 'no adapter'));
  const load = performance.now();
  await generator.loadAdapter('a0');
  const firstLoadMs = performance.now() - load;
  rows.push(
    row(
      'unmerged adapter (loaded)',
      await measure(generator, () => 'a0'),
      `first load ${firstLoadMs.toFixed(0)} ms (LoRA file + context)`,
    ),
  );
  const before = rss();
  for (const name of Object.keys(adapters).slice(1)) await generator.loadAdapter(name);
  const perAdapterMb = (rss() - before) / Math.max(1, adapterFiles.length - 1);
  rows.push([
    'memory',
    adapterFiles.length,
    '-',
    '-',
    '-',
    `RSS +${perAdapterMb.toFixed(0)} MiB per extra loaded adapter (context + LoRA weights)`,
  ]);
  await generator.dispose();
}
{
  const generator = await LlamaGenerator.load({
    modelPath: values.model!,
    contextSize: 1024,
    threads,
    adapters,
    maxAdapters: 1,
  });
  await generator.generate({ messages: messages(0), maxTokens: 4, adapter: 'a0' });
  await generator.generate({ messages: messages(0), maxTokens: 4, adapter: 'a1' }); // both LoRA files read once: swaps below are context swaps
  const reload = performance.now();
  await generator.loadAdapter('a0');
  const reloadMs = performance.now() - reload;
  rows.push(
    row(
      'hot swap (LRU 1, alternating)',
      await measure(generator, (i) => (i % 2 === 0 ? 'a1' : 'a0')),
      `every request swaps; a reload alone ${reloadMs.toFixed(0)} ms`,
    ),
  );
  await generator.dispose();
}
if (values.merged) {
  const generator = await LlamaGenerator.load({ modelPath: values.merged, contextSize: 1024, threads });
  await generator.generate({ messages: messages(0), maxTokens: 4 });
  rows.push(
    row('merged GGUF (Q8_0 merged tensors)', await measure(generator, () => undefined), 'attune adapters merge'),
  );
  await generator.dispose();
}

const table = markdownTable(
  ['setup', 'requests', 'TTFT ms (median)', 'decode tokens/s (median)', 'total ms (median)', 'note'],
  rows,
);
console.log(table);
if (values.append) {
  appendBenchmark(
    'Adapter serving: unmerged LoRA vs base, hot swap, merged (node-llama-cpp, SmolLM2-135M)',
    `bash scripts/with-node.sh bench/adapter-serving.ts --adapters ${adapterFiles.join(',')}${values.merged ? ` --merged ${values.merged}` : ''} --requests ${requests} --max-tokens ${maxTokens} --threads ${threads} --append`,
    `${table}\n\nGreedy answers of ${maxTokens} tokens at most to short handbook questions, ${threads} llama.cpp thread(s), context 1024. The machine (2 cores) was shared with other agents' tests and benchmarks while this ran, so absolute numbers are noisy; compare rows of one run. llama.cpp applies LoRA per context: a loaded adapter is a context of its own, a swap past the LRU limit disposes one and creates another (the LoRA weights stay in memory with the model; node-llama-cpp frees them only with it).`,
  );
}
