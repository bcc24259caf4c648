import { existsSync, readdirSync } from 'node:fs';
import type { Question, QuestionSet } from '../dataset/questions.ts';
import { walk } from '../ingest/walk.ts';
import { adaptersDir } from '../tune/adapters.ts';
import type { ChatTokenizer } from '../tune/chat-tokens.ts';
import type { AdapterData } from './adapter-data.ts';
import { contentHash, type StepCache } from './cache.ts';
import type { CompareOptions } from './options.ts';
import { answerSeconds, DEFAULT_SPEEDS, trainingSeconds, type Estimate, type Speeds } from './estimate.ts';
import { adapterName, cachedRows, isTrained } from './steps.ts';
import { adapterKindOf, usesCollection } from '../answer/catalog.ts';
import type { AdapterKind, CompareEmbedder } from './strategies.ts';
import type { CorpusDocument } from './training-data.ts';

/** Prompt tokens around the question: system prompt and chat template (base), plus the documents' frame (rag). */
const BASE_OVERHEAD = 40;
const RAG_OVERHEAD = 90;
const PER_CHUNK_OVERHEAD = 12;

export interface PlannedWork {
  estimate: Estimate;
  /** Key of the evaluation rows: the questions, corpus, settings and the adapters' names (known before training). */
  evalKey: string;
  answersDone: number;
  cachedAdapters: AdapterKind[];
}

/** What is left to do and how long it should take, from exact token counts of the data the adapters will see. */
export async function planEstimate(ctx: {
  options: CompareOptions;
  home: string;
  cache: StepCache;
  set: QuestionSet;
  questions: Question[];
  documents: Map<string, CorpusDocument>;
  data: AdapterData | undefined;
  kinds: AdapterKind[];
  failed: Partial<Record<AdapterKind, string>>;
  tokenizer: ChatTokenizer | undefined;
  embedder: CompareEmbedder;
  speeds?: Speeds;
}): Promise<PlannedWork> {
  const speeds = ctx.speeds ?? DEFAULT_SPEEDS;
  const { options } = ctx;
  const count = (text: string) => (ctx.tokenizer ? ctx.tokenizer.countText(text) : ctx.embedder.countTokens(text));
  const steps: Estimate['steps'] = [];
  const names: string[] = [];
  const cachedAdapters: AdapterKind[] = [];
  let ftSeconds = 0;
  for (const kind of ctx.kinds) {
    if (ctx.failed[kind] || !ctx.data) {
      names.push(`failed:${kind}`);
      continue;
    }
    const examples = kind === 'ft' ? ctx.data.qa : ctx.data.raft;
    const settings = options.training[kind];
    const name = adapterName(kind, examples, settings, options.base);
    names.push(name);
    const cached = isTrained(ctx.home, name);
    if (cached) cachedAdapters.push(kind);
    const work = {
      kind,
      lengths: examples.map((e) => ctx.tokenizer!.countChat(e.messages)),
      epochs: settings.epochs,
      maxSteps: settings.maxSteps,
      batchSize: settings.batchSize ?? 4,
    };
    steps.push({ step: `train ${kind}`, seconds: trainingSeconds({ ...work, cached }, speeds) });
    if (kind === 'ft') ftSeconds = trainingSeconds({ ...work, cached: false }, speeds);
  }

  const evalKey = contentHash(
    ctx.set.hash,
    ctx.questions.map((q) => q.id),
    [...ctx.documents.values()].map((d) => d.text),
    options.config,
    options.maxTokens,
    options.repeats,
    names,
  );
  const ids = new Set(ctx.questions.map((q) => q.id));
  const done = (await cachedRows(ctx.cache.path('eval', evalKey, 'jsonl'))).filter(
    (row) =>
      ids.has(row.questionId) && row.repeat < options.repeats && options.strategies.includes(row.strategy as never),
  );
  const questionTokens = ctx.questions.reduce((sum, q) => sum + count(q.question), 0) / ctx.questions.length;
  const chunks = [...ctx.documents.values()].flatMap((d) => d.chunks);
  const chunkTokens = chunks.length
    ? chunks.slice(0, 200).reduce((sum, c) => sum + count(c.text) + PER_CHUNK_OVERHEAD, 0) /
      Math.min(chunks.length, 200)
    : 0;
  const promptTokens = (strategy: string) =>
    questionTokens +
    (!usesCollection(strategy) ? BASE_OVERHEAD : RAG_OVERHEAD + options.config.retrieval.k * chunkTokens);
  const answering = (strategy: string, questions: number, answered: number) =>
    answerSeconds(
      { strategy, questions, repeats: options.repeats, promptTokens: promptTokens(strategy), done: answered },
      options.maxTokens,
      speeds,
    );
  // a strategy whose adapter failed answers with an error at once
  const live = options.strategies.filter((s) => {
    const kind = adapterKindOf(s);
    return !(kind && (ctx.failed[kind] || !ctx.data));
  });
  steps.push({
    step: 'evaluate',
    seconds: live.reduce(
      (sum, s) => sum + answering(s, ctx.questions.length, done.filter((r) => r.strategy === s).length),
      0,
    ),
  });

  if (options.update) {
    const changed = new Set((await walk([options.update])).files.map((f) => f.docId));
    const affected = ctx.questions.filter((q) => q.goldDocIds?.some((id) => changed.has(id))).length;
    const retrained =
      existsSync(adaptersDir(ctx.home)) && readdirSync(adaptersDir(ctx.home)).some((n) => n.startsWith('ft-updated-'));
    steps.push({
      step: 'freshness',
      seconds:
        (ctx.kinds.includes('ft') && !retrained ? ftSeconds : 0) +
        live.reduce((sum, s) => sum + answering(s, affected, 0), 0),
    });
  }
  return {
    estimate: { steps, seconds: steps.reduce((sum, s) => sum + s.seconds, 0) },
    evalKey,
    answersDone: done.length,
    cachedAdapters,
  };
}
