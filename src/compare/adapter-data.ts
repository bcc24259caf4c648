import { adapterKindOf, type AdapterKind } from '../answer/catalog.ts';
import type { Question } from '../dataset/questions.ts';
import { buildTrainingData, collectionChunks } from '../tune/build-data.ts';
import { emptyFitReport, type FitReport, type FitTarget } from '../tune/fit.ts';
import { MIN_EXAMPLES } from '../tune/data.ts';
import { contentHash, type StepCache } from './cache.ts';
import type { CompareOptions } from './options.ts';
import type { CompareEmbedder, CompareStore } from './strategies.ts';
import {
  buildQaExamples,
  dropLeaks,
  emptyLeakReport,
  fitExamples,
  sampleExamples,
  type CorpusDocument,
  type GeneratedExample,
  type LeakReport,
} from './training-data.ts';

export interface AdapterData {
  qa: GeneratedExample[];
  raft: GeneratedExample[];
  source: string;
  /** How the generated examples of each set were fitted to --max-seq-len (null: given or not built). */
  fitting: { qa: FitReport | null; raft: FitReport | null };
  leakage: LeakReport;
  /** Why an adapter cannot be trained from this data (too few examples): its strategies are reported as failed. */
  unusable: Partial<Record<AdapterKind, string>>;
  /** Reused from the step cache (same corpus, questions and settings). */
  cached: boolean;
}

/**
 * Training data for both adapters, checked before any training: held-out leaks dropped (generated) or refused
 * (--train, in validate.ts), every generated example fitted to its adapter's --max-seq-len, then sampled.
 */
export async function prepareAdapterData(ctx: {
  options: CompareOptions;
  cache: StepCache;
  documents: Map<string, CorpusDocument>;
  questions: Question[];
  train: GeneratedExample[] | undefined;
  store: CompareStore;
  embedder: CompareEmbedder;
  ft: FitTarget;
  raft: FitTarget;
}): Promise<AdapterData> {
  const { options } = ctx;
  const key = contentHash(
    'adapter-data v2',
    [...ctx.documents.values()].map((d) => d.text),
    ctx.questions,
    ctx.train?.map((e) => e.messages),
    options.strategies,
    options.config.chunking,
    options.config.retrieval.k,
    options.training.maxQaExamples,
    options.training.maxRaftExamples,
    ctx.ft.maxSeqLen,
    ctx.raft.maxSeqLen,
    options.base,
  );
  const cached = await ctx.cache.get<AdapterData>('adapter-data', key);
  if (cached) return { ...cached, cached: true };
  return ctx.cache.set('adapter-data', key, { ...(await buildAdapterData(ctx)), cached: false });
}

async function buildAdapterData(ctx: Parameters<typeof prepareAdapterData>[0]): Promise<AdapterData> {
  const { options } = ctx;
  const leakage = emptyLeakReport();
  const needs = (kind: AdapterKind) => options.strategies.some((s) => adapterKindOf(s) === kind);
  const qaFitting = emptyFitReport(ctx.ft.maxSeqLen);
  let qa: GeneratedExample[];
  let source: string;
  if (ctx.train) {
    qa = ctx.train;
    source = options.train!;
  } else {
    // leaks and over-long examples go first, so the cap counts examples that are kept
    const kept = dropLeaks(buildQaExamples(ctx.documents.values()), ctx.questions, 'Q/A', leakage);
    qa = sampleExamples(fitExamples(kept, ctx.ft, qaFitting), options.training.maxQaExamples);
    source = 'generated cloze Q/A from the corpus';
  }
  let raft: GeneratedExample[] = [];
  let raftFitting: FitReport | null = null;
  if (needs('raft')) {
    const built = await raftExamples(ctx.store, ctx.embedder, options, ctx.raft);
    raftFitting = built.fitting;
    raft = dropLeaks(built.examples, ctx.questions, 'RAFT', leakage);
  }
  const unusable: AdapterData['unusable'] = {};
  if (needs('ft') && qa.length < MIN_EXAMPLES)
    unusable.ft = `only ${qa.length} Q/A training example(s) after dropping leaks and over-long ones, at least ${MIN_EXAMPLES} are needed`;
  if (needs('raft') && raft.length < MIN_EXAMPLES)
    unusable.raft = `only ${raft.length} RAFT training example(s) after dropping leaks and over-long ones, at least ${MIN_EXAMPLES} are needed`;
  return {
    qa,
    raft,
    source,
    fitting: { qa: ctx.train ? null : qaFitting, raft: raftFitting },
    leakage,
    unusable,
    cached: false,
  };
}

/** RAFT data exactly as `attune dataset build --mode raft` makes it: cloze questions per chunk, k − 1 retrieved distractors, the oracle in 80%, fitted. */
async function raftExamples(
  store: CompareStore,
  embedder: CompareEmbedder,
  options: CompareOptions,
  fit: FitTarget,
): Promise<{ examples: GeneratedExample[]; fitting: FitReport }> {
  const chunks = await collectionChunks(store, embedder.dimension);
  const built = await buildTrainingData(store, chunks, {
    mode: 'raft',
    embedder,
    distractors: Math.max(1, options.config.retrieval.k - 1),
    maxExamples: options.training.maxRaftExamples,
    fit,
    signal: options.signal,
  });
  const examples = built.lines.map((line) => ({
    messages: line.messages,
    prompt: line.messages.filter((m) => m.role === 'user').at(-1)!.content,
    completion: line.messages.at(-1)!.content,
    docId: line.docId,
  }));
  return { examples, fitting: built.fitting! };
}
