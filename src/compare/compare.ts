import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createStrategy, type StrategyName } from '../answer/create-strategy.ts';
import type { Strategy } from '../answer/strategy.ts';
import type { Config } from '../config/config.ts';
import { collectionDir } from '../config/paths.ts';
import { createEmbedder, createGenerator } from '../config/runtime.ts';
import { readQuestions, type Question } from '../dataset/questions.ts';
import { UsageError } from '../errors.ts';
import type { PriceTable } from '../evaluate/metrics/cost.ts';
import type { EvalRow } from '../evaluate/row.ts';
import type { Generator } from '../generate/generator.ts';
import { buildTrainingData, collectionChunks } from '../tune/build-data.ts';
import { readTrainingData } from '../tune/data.ts';
import type { Trainer } from '../tune/trainer.ts';
import { assembleResult, type CompareResult, type StepRecord } from './assemble.ts';
import { contentHash, StepCache } from './cache.ts';
import { readFormatSpec, type FormatSpec } from './format-spec.ts';
import { assertNoLeakage, findLeaks } from './leakage.ts';
import type { MinEffects, Priorities } from './recommend.ts';
import { deriveChangedFacts, type ChangedFact } from './staleness.ts';
import { evaluateCached, openCollectionStore, overlayCorpus, timedIngest, trainAdapter, type TrainedAdapter, type TrainSettings } from './steps.ts';
import { buildQaExamples, readCorpus, type CorpusDocument, type GeneratedExample } from './training-data.ts';

export interface CompareOptions {
  corpus: string;
  questions: string;
  train?: string;
  update?: string;
  format?: string;
  priorities: Priorities;
  /** Smallest differences that matter, per consideration (`--min-effect`); defaults in recommend.ts. */
  minEffects?: Partial<MinEffects>;
  strategies: StrategyName[];
  repeats: number;
  limit?: number;
  out: string;
  config: Config;
  env: NodeJS.ProcessEnv;
  prices: PriceTable;
  maxTokens: number;
  /** The per-question accuracy measure the recommendation compares. */
  metric: 'containment' | 'f1' | 'exactMatch';
  /** Base model GGUF the adapters are trained on (the generator's model). */
  base: string;
  /** Needed when ft, ft-rag or raft are compared. */
  trainer?: Trainer;
  training: { ft: TrainSettings; raft: TrainSettings; maxQaExamples?: number; maxRaftExamples?: number };
  signal?: AbortSignal;
  onProgress?: (event: CompareProgress) => void;
}

export interface CompareProgress {
  step: string;
  index: number;
  steps: number;
  state: 'start' | 'progress' | 'done';
  done?: number;
  total?: number;
  detail?: string;
}

const NEEDS_ADAPTER = new Set(['ft', 'ft-rag', 'raft']);
const ADAPTER_OF: Record<string, 'ft' | 'raft'> = { ft: 'ft', 'ft-rag': 'ft', raft: 'raft' };

/**
 * `attune compare`: ingest → training data → adapters → evaluation of every strategy on the same held-out
 * questions → freshness after an update → customization → cost and latency → recommendation. Each step's
 * result is cached by the hash of its inputs under `<out>/cache`, so a rerun only does what changed.
 */
export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  const out = resolve(options.out);
  const home = join(out, 'work', 'home');
  const cache = new StepCache(join(out, 'cache'));
  const wantsAdapters = options.strategies.some((s) => NEEDS_ADAPTER.has(s));
  if (wantsAdapters && !options.trainer) throw new UsageError('strategies ft, ft-rag and raft need the trainer (Python environment); pass --strategies base,rag to compare without fine-tuning');
  const plan = ['ingest', ...(wantsAdapters ? ['training data', 'train'] : []), 'evaluate', ...(options.update ? ['freshness'] : []), 'report'];
  const steps: StepRecord[] = [];
  const warnings: string[] = [];
  let current = { name: '', started: 0, index: 0 };
  const start = (name: string) => {
    current = { name, started: performance.now(), index: plan.indexOf(name) + 1 };
    options.onProgress?.({ step: name, index: current.index, steps: plan.length, state: 'start' });
  };
  const progress = (done: number, total: number, detail?: string) => options.onProgress?.({ step: current.name, index: current.index, steps: plan.length, state: 'progress', done, total, detail });
  const finish = (cached: boolean, detail: string) => {
    steps.push({ step: current.name, seconds: (performance.now() - current.started) / 1000, cached, detail });
    options.onProgress?.({ step: current.name, index: current.index, steps: plan.length, state: 'done', detail: `${detail}${cached ? ' (reused)' : ''}` });
  };

  const set = await readQuestions(options.questions);
  for (const error of set.errors) warnings.push(`skipped ${error.message}`);
  const questions: Question[] = options.limit ? set.questions.slice(0, options.limit) : set.questions;
  if (questions.length === 0) throw new UsageError(`${options.questions}: no valid questions to evaluate`);
  const format: FormatSpec | undefined = options.format ? await readFormatSpec(options.format) : undefined;
  await mkdir(home, { recursive: true });

  const embedder = await createEmbedder(options.config, options.env);
  const disposers: (() => Promise<void>)[] = [() => embedder.dispose()];
  try {
    // 1. ingest
    start('ingest');
    const store = await openCollectionStore(options.config, home, 'corpus', embedder);
    disposers.push(() => store.dispose());
    const ingested = await timedIngest(options.config, home, 'corpus', store, embedder, [options.corpus], options.signal);
    if (ingested.result.failed.length) warnings.push(...ingested.result.failed.map((f) => `ingest: ${f.path}: ${f.reason}`));
    const documents = await readCorpus([options.corpus], options.config.chunking, (text) => embedder.countTokens(text));
    finish(ingested.result.added + ingested.result.updated === 0, `${documents.size} documents, ${ingested.result.chunks} new chunks, ${ingested.result.unchanged} unchanged`);

    // 2. training data and 3. adapters
    const adapters: Partial<Record<'ft' | 'raft', TrainedAdapter>> = {};
    let training: CompareResult['training'] = null;
    if (wantsAdapters) {
      start('training data');
      const qa = await qaTrainingData(options, documents, questions, warnings);
      const needsRaft = options.strategies.includes('raft');
      const raftKey = contentHash('dataset-build raft', [...documents.values()].map((d) => d.text), options.config.chunking, options.config.retrieval.k, options.training.maxRaftExamples);
      const raft = needsRaft
        ? ((await cache.get<GeneratedExample[]>('raft-data', raftKey)) ?? await cache.set('raft-data', raftKey, await raftExamples(store, embedder, options)))
        : [];
      const raftKept = dropLeaks(raft, questions, 'RAFT', warnings);
      training = { qaExamples: qa.examples.length, raftExamples: raftKept.length, source: qa.source, droppedForLeakage: qa.dropped + (raft.length - raftKept.length) };
      finish(false, `${qa.examples.length} Q/A (${qa.source}), ${raftKept.length} RAFT examples`);

      start('train');
      const kinds = [...new Set(options.strategies.filter((s) => NEEDS_ADAPTER.has(s)).map((s) => ADAPTER_OF[s]!))];
      let cachedAll = true;
      for (const kind of kinds) {
        const examples = kind === 'ft' ? qa.examples : raftKept;
        adapters[kind] = await trainAdapter({ home, kind, examples, dataFile: join(out, 'training', `${kind}.jsonl`), base: options.base, trainer: options.trainer!, settings: options.training[kind], signal: options.signal, onStep: (step, total, loss) => progress(step, total, `${kind} loss ${loss.toFixed(3)}`) });
        cachedAll &&= adapters[kind]!.cached;
      }
      finish(cachedAll, kinds.map((k) => `${k}: ${adapters[k]!.meta.steps} steps, ${adapters[k]!.meta.wallSeconds.toFixed(0)} s`).join('; '));
    }

    // 4. evaluate
    start('evaluate');
    const generator = await createGenerator(options.config, { env: options.env, adapters: adapterPaths(adapters) });
    disposers.push(() => generator.dispose());
    const strategies = buildStrategies(options, generator, store, embedder, adapters);
    const evalKey = contentHash(set.hash, questions.map((q) => q.id), [...documents.values()].map((d) => d.text), options.config, options.maxTokens, options.repeats, Object.values(adapters).map((a) => a?.name));
    const rows = await evaluateCached({ rowsFile: cache.path('eval', evalKey, 'jsonl'), questions, strategies, repeats: options.repeats, maxTokens: options.maxTokens, prices: options.prices, signal: options.signal, onProgress: (d, t) => progress(d, t) });
    finish(false, `${questions.length} questions × ${strategies.length} strategies × ${options.repeats} repeat(s)`);
    const indexBytes = collectionDir(home, 'corpus');

    // 5. freshness
    let freshness: Awaited<ReturnType<typeof measureFreshness>> | null = null;
    if (options.update) {
      start('freshness');
      freshness = await measureFreshness({ options, home, out, cache, documents, questions, embedder, adapters, warnings, progress });
      finish(false, `${freshness.facts.length} changed facts`);
    }

    start('report');
    const result = await assembleResult({ options, questions, rows, adapters, training, freshness, format, steps, warnings, indexDir: indexBytes, documents: documents.size });
    finish(false, 'assembled');
    result.steps = steps;
    return result;
  } finally {
    for (const dispose of disposers.reverse()) await dispose().catch(() => {});
  }
}

function adapterPaths(adapters: Partial<Record<'ft' | 'raft', TrainedAdapter>>): Record<string, string> {
  return Object.fromEntries(Object.entries(adapters).map(([kind, a]) => [kind, a!.gguf]));
}

function buildStrategies(options: CompareOptions, generator: Generator, store: CompareStore, embedder: CompareEmbedder, adapters: Partial<Record<'ft' | 'raft', TrainedAdapter>>, only?: StrategyName[]): Strategy[] {
  const deps = { generator, store, embedder, retrieval: options.config.retrieval };
  return (only ?? options.strategies).map((name) => createStrategy(name, deps, { adapter: NEEDS_ADAPTER.has(name) && adapters[ADAPTER_OF[name]!] ? ADAPTER_OF[name] : undefined, maxTokens: options.maxTokens }));
}
type CompareStore = Awaited<ReturnType<typeof openCollectionStore>>;
type CompareEmbedder = Parameters<typeof openCollectionStore>[3];

/** RAFT data exactly as `attune dataset build --mode raft` makes it: cloze questions per chunk, k − 1 retrieved distractors, the oracle in 80%. */
async function raftExamples(store: CompareStore, embedder: CompareEmbedder, options: CompareOptions): Promise<GeneratedExample[]> {
  const chunks = await collectionChunks(store, embedder.dimension);
  const built = await buildTrainingData(store, chunks, { mode: 'raft', embedder, distractors: Math.max(1, options.config.retrieval.k - 1), maxExamples: options.training.maxRaftExamples, signal: options.signal });
  return built.lines.map((line) => ({ messages: line.messages, prompt: line.messages.filter((m) => m.role === 'user').at(-1)!.content, completion: line.messages.at(-1)!.content, docId: line.docId }));
}

/** Given training data is checked for leakage and refused; generated data has its few overlapping examples dropped. */
async function qaTrainingData(options: CompareOptions, documents: Map<string, CorpusDocument>, questions: Question[], warnings: string[]): Promise<{ examples: GeneratedExample[]; source: string; dropped: number }> {
  if (options.train) {
    const data = await readTrainingData(options.train);
    for (const error of data.errors) warnings.push(`skipped ${error.message}`);
    const pairs = data.examples.map((e) => ({ line: e.line, prompt: e.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '', completion: e.messages.at(-1)!.content }));
    assertNoLeakage(options.train, pairs, questions, options.questions);
    return { examples: data.examples.map((e, i) => ({ messages: e.messages, prompt: pairs[i]!.prompt, completion: pairs[i]!.completion, docId: '' })), source: options.train, dropped: 0 };
  }
  const generated = buildQaExamples(documents.values(), { maxExamples: options.training.maxQaExamples });
  const kept = dropLeaks(generated, questions, 'Q/A', warnings);
  return { examples: kept, source: 'generated cloze Q/A from the corpus', dropped: generated.length - kept.length };
}

function dropLeaks(examples: GeneratedExample[], questions: Question[], label: string, warnings: string[]): GeneratedExample[] {
  const leaks = findLeaks(examples.map((e, i) => ({ line: i + 1, prompt: e.prompt, completion: e.completion })), questions);
  if (leaks.length === 0) return examples;
  const lines = new Set(leaks.map((l) => l.line));
  warnings.push(`dropped ${lines.size} generated ${label} example(s) that overlap held-out questions (${[...new Set(leaks.map((l) => l.questionId))].slice(0, 5).join(', ')}${leaks.length > 5 ? ', …' : ''})`);
  return examples.filter((_, i) => !lines.has(i + 1));
}

export interface FreshnessMeasurement {
  facts: ChangedFact[];
  unresolved: string[];
  changedDocuments: number;
  reindexSeconds: number;
  retrainSeconds: number | null;
  afterRows: EvalRow[];
  retrained: TrainedAdapter | null;
}

async function measureFreshness(ctx: { options: CompareOptions; home: string; out: string; cache: StepCache; documents: Map<string, CorpusDocument>; questions: Question[]; embedder: CompareEmbedder; adapters: Partial<Record<'ft' | 'raft', TrainedAdapter>>; warnings: string[]; progress: (d: number, t: number, detail?: string) => void }): Promise<FreshnessMeasurement> {
  const { options, home, out, cache, embedder } = ctx;
  const v2 = join(out, 'work', 'corpus-updated');
  await overlayCorpus(options.corpus, options.update!, v2);
  const updated = await readCorpus([v2], options.config.chunking, (text) => embedder.countTokens(text));
  const text = (docs: Map<string, CorpusDocument>) => new Map([...docs].map(([id, d]) => [id, d.text]));
  const changedDocuments = [...updated].filter(([id, d]) => ctx.documents.get(id)?.text !== d.text).length;
  const { facts, unresolved } = deriveChangedFacts(ctx.questions, text(ctx.documents), text(updated));
  if (unresolved.length) ctx.warnings.push(`freshness: ${unresolved.length} held-out question(s) lost their answer in the update but the new value could not be located: ${unresolved.slice(0, 5).join(', ')}`);
  if (facts.length === 0) ctx.warnings.push('freshness: the update changes no answer of the held-out questions; staleness cannot be measured');

  // re-index: the collection as it was (v1), then time the incremental ingest of the new version
  const reindexKey = contentHash([...text(ctx.documents)], [...text(updated)], options.config);
  let reindexSeconds = (await cache.get<{ seconds: number }>('reindex', reindexKey))?.seconds;
  const store = await openCollectionStore(options.config, home, 'updated', embedder);
  try {
    if (reindexSeconds === undefined) {
      await timedIngest(options.config, home, 'updated', store, embedder, [options.corpus], options.signal);
      reindexSeconds = (await timedIngest(options.config, home, 'updated', store, embedder, [v2], options.signal)).seconds;
      await cache.set('reindex', reindexKey, { seconds: reindexSeconds });
    }
    // re-train: the Q/A adapter on data from the new version (the RAFT adapter learned to read, not the facts: it keeps its weights)
    let retrained: TrainedAdapter | null = null;
    if (ctx.adapters.ft) {
      const examples = options.train
        ? [...(await readTrainingData(options.train)).examples.map((e) => ({ messages: e.messages, prompt: '', completion: '', docId: '' })), ...buildQaExamples([...updated.values()].filter((d) => ctx.documents.get(d.docId)?.text !== d.text))]
        : dropLeaks(buildQaExamples(updated.values(), { maxExamples: options.training.maxQaExamples }), ctx.questions, 'Q/A (updated)', []);
      retrained = await trainAdapter({ home, kind: 'ft-updated', examples, dataFile: join(out, 'training', 'ft-updated.jsonl'), base: options.base, trainer: options.trainer!, settings: options.training.ft, signal: options.signal, onStep: (s, t, loss) => ctx.progress(s, t, `re-train ft, loss ${loss.toFixed(3)}`) });
    }
    const adapters = { ...ctx.adapters, ...(retrained ? { ft: retrained } : {}) };
    const generator = await createGenerator(options.config, { env: options.env, adapters: adapterPaths(adapters) });
    try {
      const strategies = buildStrategies(options, generator, store, embedder, adapters);
      const changed: Question[] = facts.map((f) => ({ id: f.questionId, question: f.question, answers: f.newAnswers, goldDocIds: [f.docId], answerable: true }));
      const key = contentHash(facts, [...text(updated)], options.config, options.maxTokens, options.repeats, Object.values(adapters).map((a) => a?.name));
      const afterRows = changed.length ? await evaluateCached({ rowsFile: cache.path('fresh', key, 'jsonl'), questions: changed, strategies, repeats: options.repeats, maxTokens: options.maxTokens, prices: options.prices, signal: options.signal, onProgress: (d, t) => ctx.progress(d, t, 'after the update') }) : [];
      return { facts, unresolved, changedDocuments, reindexSeconds, retrainSeconds: retrained ? retrained.meta.wallSeconds : null, afterRows, retrained };
    } finally {
      await generator.dispose();
    }
  } finally {
    await store.dispose();
  }
}
