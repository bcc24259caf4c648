/**
 * Time to first token: `attune ask` (rag) against raw node-llama-cpp on the same model, the same prompt, the
 * same threads, context and batch size, in one process, alternating which goes first. For each clapnq question,
 * attune answers with the rag strategy (retrieval over the question's collection, then the generator), and raw
 * node-llama-cpp gets the very messages attune sent (system prompt + numbered documents + question) through its
 * own LlamaChatSession on a context created with node-llama-cpp's defaults but attune's thread count.
 * Reports the medians and attune's own share: the time from the question to the first token that is not raw
 * prompt processing.
 *
 *   bash scripts/with-node.sh bench/ttft.ts [--questions 8] [--threads 1] [--append]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getLlama, LlamaChatSession } from 'node-llama-cpp';
import { buildRagMessages } from '../src/answer/prompt.ts';
import { ragStrategy } from '../src/answer/rag-strategy.ts';
import { parseConfig } from '../src/config/config.ts';
import { LlamaGenerator } from '../src/generate/llama-generator.ts';
import { ingest } from '../src/ingest/ingest.ts';
import { generatorModelPath, openCollection } from '../src/runtime/backends.ts';
import { appendBenchmark, markdownTable, percentileOf } from './benchmarks-file.ts';
import { prepareDataset } from './peers/datasets.ts';

const { values: flags } = parseArgs({
  options: {
    questions: { type: 'string', default: '8' },
    threads: { type: 'string' },
    append: { type: 'boolean', default: false },
  },
});
const count = Number(flags.questions);
// attune's default: all cores but one (src/generate/llama-generator.ts)
const threads = flags.threads ? Number(flags.threads) : Math.max(1, availableParallelism() - 1);
const CONTEXT = 4096;
const MAX_TOKENS = 16;

const scratch = mkdtempSync(join(tmpdir(), 'attune-ttft-'));
const loadAtStart = loadavg()[0]!;
const dataset = await prepareDataset('clapnq', join(scratch, 'data'), 100);
const config = parseConfig({ generator: { provider: 'llama', threads } });
const { store, embedder } = await openCollection(config, join(scratch, 'home'), 'ttft', { create: true });
await ingest({
  paths: [join(dataset.dir, 'corpus')],
  store,
  embedder,
  chunking: config.chunking,
  cacheDir: join(scratch, 'cache'),
});
const modelPath = generatorModelPath(config)!;

const generator = await LlamaGenerator.load({ modelPath, threads, contextSize: CONTEXT });
const rag = ragStrategy(
  { generator, store, embedder, retrieval: config.retrieval },
  { name: 'rag', maxTokens: MAX_TOKENS },
);
const llama = await getLlama({ gpu: false, build: 'never' });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: CONTEXT, threads, sequences: 1 });

interface Trial {
  askTtft: number;
  generatorTtft: number;
  retrieveMs: number;
  rawTtft: number;
  promptTokens: number;
  rawPromptTokens: number;
}
const trials: Trial[] = [];

async function askAttune(question: string) {
  const started = performance.now();
  let first: number | undefined;
  const answer = await rag.answer(question, { onToken: () => (first ??= performance.now() - started) });
  return { answer, ttft: first ?? Number.NaN };
}

async function askRaw(messages: { role: string; content: string }[]) {
  const sequence = context.getSequence();
  try {
    const session = new LlamaChatSession({
      contextSequence: sequence,
      systemPrompt: messages.find((m) => m.role === 'system')!.content,
    });
    const before = sequence.tokenMeter.usedInputTokens;
    const started = performance.now();
    let first: number | undefined;
    await session.prompt(messages.find((m) => m.role === 'user')!.content, {
      maxTokens: MAX_TOKENS,
      temperature: 0,
      onTextChunk: () => (first ??= performance.now() - started),
    });
    return { ttft: first ?? Number.NaN, promptTokens: sequence.tokenMeter.usedInputTokens - before };
  } finally {
    await sequence.clearHistory();
    sequence.dispose();
  }
}

// one untimed round of each, so that neither pays for first-use costs
const warm = dataset.questions.at(-1)!.question;
const warmed = await askAttune(warm);
await askRaw(buildRagMessages(warm, warmed.answer.retrieved));

const questions = dataset.questions.slice(0, count);
for (const [i, { question }] of questions.entries()) {
  // the raw run needs attune's retrieved chunks for the same prompt: on odd questions it still runs first,
  // from a retrieval done beforehand (retrieval is deterministic)
  let attune: Awaited<ReturnType<typeof askAttune>>;
  let raw: Awaited<ReturnType<typeof askRaw>>;
  if (i % 2 === 0) {
    attune = await askAttune(question);
    raw = await askRaw(buildRagMessages(question, attune.answer.retrieved));
  } else {
    const hits = (await rag.answer(question)).retrieved;
    raw = await askRaw(buildRagMessages(question, hits));
    attune = await askAttune(question);
  }
  if (attune.answer.abstained && attune.answer.timings.firstTokenMs === null) {
    process.stderr.write(`  q${i}: abstained before generation, skipped\n`);
    continue;
  }
  trials.push({
    askTtft: attune.ttft,
    generatorTtft: attune.answer.timings.firstTokenMs ?? Number.NaN,
    retrieveMs: attune.answer.timings.retrieveMs,
    rawTtft: raw.ttft,
    promptTokens: attune.answer.usage.promptTokens,
    rawPromptTokens: raw.promptTokens,
  });
  process.stderr.write(
    `  q${i}: attune ${attune.ttft.toFixed(0)} ms (generator ${trials.at(-1)!.generatorTtft.toFixed(0)}), raw ${raw.ttft.toFixed(0)} ms, ${raw.promptTokens} prompt tokens\n`,
  );
}
const loadAtEnd = loadavg()[0]!;
await context.dispose();
await model.dispose();
await generator.dispose();
await store.dispose();
await embedder.dispose();
rmSync(scratch, { recursive: true, force: true });

const median = (pick: (t: Trial) => number) => percentileOf(trials.map(pick), 50);
const ratio = median((t) => t.askTtft / t.rawTtft);
const share = median((t) => (t.askTtft - t.rawTtft) / t.askTtft);
const rows = [
  ['raw node-llama-cpp: prompt → first token', median((t) => t.rawTtft).toFixed(0)],
  ['attune generator: generate() → first token', median((t) => t.generatorTtft).toFixed(0)],
  ['attune ask (rag): question → first token', median((t) => t.askTtft).toFixed(0)],
  ['  of which retrieval (embed + search)', median((t) => t.retrieveMs).toFixed(1)],
];
const body = `Model: ${modelPath.split('/').at(-1)}, ${threads} thread(s), context ${CONTEXT}, node-llama-cpp's default batch size, greedy, ${MAX_TOKENS} answer tokens. Prompts: attune's rag prompt (system prompt + the 4 retrieved chunks + question) for the first ${trials.length} answerable clapnq dev questions over a collection of the gold passages of the first 100 answerable and 100 unanswerable ones; median ${median((t) => t.promptTokens)} prompt tokens as attune's generator counts them, ${median((t) => t.rawPromptTokens)} for raw node-llama-cpp's chat wrapper (attune drops a second BOS token that node-llama-cpp's ChatML wrapper adds to SmolLM2). Both ran in one process, one after the other for each question, alternating which went first. 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadAtEnd.toFixed(1)}.

${markdownTable(['step (median over questions)', 'ms'], rows)}

Per question: attune ask TTFT / raw TTFT median ${ratio.toFixed(3)}× (min ${Math.min(...trials.map((t) => t.askTtft / t.rawTtft)).toFixed(3)}, max ${Math.max(...trials.map((t) => t.askTtft / t.rawTtft)).toFixed(3)}); attune's own share of the time to first token (ask TTFT − raw TTFT, over ask TTFT) median ${(share * 100).toFixed(1)}%.`;
console.log(body);
if (flags.append)
  appendBenchmark(
    'Time to first token: attune ask vs raw node-llama-cpp (bench/ttft.ts)',
    `bash scripts/with-node.sh bench/ttft.ts --questions ${count}${flags.threads ? ` --threads ${threads}` : ''} --append`,
    body,
  );
