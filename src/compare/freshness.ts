import type { RetrievalSettings } from '../config/config.ts';
import { join } from 'node:path';
import type { Question } from '../dataset/questions.ts';
import type { EvalRow } from '../evaluate/row.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { emptyFitReport, type FitReport, type FitTarget } from '../tune/fit.ts';
import { contentHash, type StepCache } from './cache.ts';
import type { CompareOptions } from './options.ts';
import { deriveChangedFacts, type ChangedFact } from './staleness.ts';
import { evaluateCached, overlayCorpus, timedIngest, trainAdapter, type TrainedAdapter } from './steps.ts';
import {
  buildQaExamples,
  dropLeaks,
  emptyLeakReport,
  fitExamples,
  readCorpus,
  sampleExamples,
  type CorpusDocument,
  type GeneratedExample,
} from './training-data.ts';
import { registerAdapters, strategiesUnderComparison, type AdapterKind, type CompareEmbedder } from './strategies.ts';
import { tunedRetrieverFor } from './ft-retriever.ts';

export interface FreshnessMeasurement {
  facts: ChangedFact[];
  unresolved: string[];
  changedDocuments: number;
  reindexSeconds: number;
  retrainSeconds: number | null;
  afterRows: EvalRow[];
  retrained: TrainedAdapter | null;
}

export interface FreshnessContext {
  options: CompareOptions;
  /** The compare's runtime: its models, and the stores of its work home. */
  runtime: Runtime;
  home: string;
  out: string;
  cache: StepCache;
  documents: Map<string, CorpusDocument>;
  questions: Question[];
  embedder: CompareEmbedder;
  adapters: Partial<Record<AdapterKind, TrainedAdapter>>;
  /** Adapters that failed to train: their strategies answer with an error row. */
  failed: Partial<Record<AdapterKind, string>>;
  /** The user's --train examples, when given. */
  train: GeneratedExample[] | undefined;
  fit: FitTarget | undefined;
  fitting: FitReport | undefined;
  warnings: string[];
  progress: (d: number, t: number, detail?: string) => void;
  /** rag-tuned's settings (tuned before the update, kept after it, like rag's). */
  tunedRetrieval?: RetrievalSettings;
  /** rag-ft-retriever's tuned embedder (its folder): the updated collection is re-embedded with it too. */
  tunedEmbedder?: string;
}

const text = (docs: Map<string, CorpusDocument>) => new Map([...docs].map(([id, d]) => [id, d.text]));

/** The changed facts an update makes, known before anything is trained (for the estimate). */
export async function readUpdate(
  ctx: Pick<FreshnessContext, 'options' | 'out' | 'documents' | 'questions' | 'embedder'>,
): Promise<{
  updated: Map<string, CorpusDocument>;
  facts: ChangedFact[];
  unresolved: string[];
  changedDocuments: number;
}> {
  const v2 = join(ctx.out, 'work', 'corpus-updated');
  await overlayCorpus(ctx.options.corpus, ctx.options.update!, v2);
  const updated = await readCorpus([v2], ctx.options.config.chunking, (t) => ctx.embedder.countTokens(t));
  const changedDocuments = [...updated].filter(([id, d]) => ctx.documents.get(id)?.text !== d.text).length;
  return { updated, changedDocuments, ...deriveChangedFacts(ctx.questions, text(ctx.documents), text(updated)) };
}

/** Re-index (timed), re-train the Q/A adapter on the new version, and answer the changed facts again. */
export async function measureFreshness(ctx: FreshnessContext): Promise<FreshnessMeasurement> {
  const { options, home, out, cache, embedder } = ctx;
  const v2 = join(out, 'work', 'corpus-updated');
  const { updated, facts, unresolved, changedDocuments } = await readUpdate(ctx);
  if (unresolved.length)
    ctx.warnings.push(
      `freshness: ${unresolved.length} held-out question(s) lost their answer in the update but the new value could not be located: ${unresolved.slice(0, 5).join(', ')}`,
    );
  if (facts.length === 0)
    ctx.warnings.push(
      'freshness: the update changes no answer of the held-out questions; staleness cannot be measured',
    );

  // re-index: the collection as it was (v1), then time the incremental ingest of the new version
  const reindexKey = contentHash([...text(ctx.documents)], [...text(updated)], options.config);
  let reindexSeconds = (await cache.get<{ seconds: number }>('reindex', reindexKey))?.seconds;
  const store = await ctx.runtime.store('updated', { create: true });
  if (reindexSeconds === undefined) {
    await timedIngest(options.config, home, 'updated', store, embedder, [options.corpus], options.signal);
    reindexSeconds = (await timedIngest(options.config, home, 'updated', store, embedder, [v2], options.signal))
      .seconds;
    await cache.set('reindex', reindexKey, { seconds: reindexSeconds });
  }
  const tunedRetriever = ctx.tunedEmbedder
    ? await tunedRetrieverFor({
        runtime: ctx.runtime,
        cache,
        folder: ctx.tunedEmbedder,
        from: store,
        to: 'updated-ft-retriever',
        signal: options.signal,
      })
    : undefined;
  // re-train: the Q/A adapter on data from the new version (the RAFT adapter learned to read, not the facts: it keeps its weights)
  let retrained: TrainedAdapter | null = null;
  if (ctx.adapters.ft && ctx.fit) {
    const changedDocs = [...updated.values()].filter((d) => ctx.documents.get(d.docId)?.text !== d.text);
    const fresh = (examples: GeneratedExample[]) =>
      fitExamples(
        dropLeaks(examples, ctx.questions, 'Q/A (updated)', emptyLeakReport()),
        ctx.fit!,
        ctx.fitting ?? emptyFitReport(ctx.fit!.maxSeqLen),
      );
    const examples = ctx.train
      ? [...ctx.train, ...fresh(buildQaExamples(changedDocs))]
      : sampleExamples(fresh(buildQaExamples(updated.values())), options.training.maxQaExamples);
    try {
      retrained = await trainAdapter({
        home,
        kind: 'ft-updated',
        examples,
        dataFile: join(out, 'training', 'ft-updated.jsonl'),
        base: options.base,
        trainer: options.trainer!,
        settings: options.training.ft,
        signal: options.signal,
        onStep: (s, t, loss) => ctx.progress(s, t, `re-train ft, loss ${loss.toFixed(3)}`),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      ctx.warnings.push(
        `freshness: re-training ft failed, ft is measured with its first adapter: ${(error as Error).message}`,
      );
    }
  }
  const adapters = { ...ctx.adapters, ...(retrained ? { ft: retrained } : {}) };
  // the store and the generator are the runtime's: it disposes them with the rest of the compare
  registerAdapters(ctx.runtime, adapters);
  const generator = await ctx.runtime.generator();
  const strategies = strategiesUnderComparison(options, generator, store, embedder, adapters, ctx.failed, {
    tunedRetrieval: ctx.tunedRetrieval,
    tunedRetriever,
  });
  const changed: Question[] = facts.map((f) => ({
    id: f.questionId,
    question: f.question,
    answers: f.newAnswers,
    goldDocIds: [f.docId],
    answerable: true,
  }));
  const key = contentHash(
    facts,
    [...text(updated)],
    options.config,
    options.maxTokens,
    options.repeats,
    Object.values(adapters).map((a) => a?.name),
  );
  const afterRows = changed.length
    ? await evaluateCached({
        rowsFile: cache.path('fresh', key, 'jsonl'),
        questions: changed,
        strategies,
        repeats: options.repeats,
        maxTokens: options.maxTokens,
        prices: options.prices,
        signal: options.signal,
        onProgress: (d, t) => ctx.progress(d, t, 'after the update'),
      })
    : [];
  return {
    facts,
    unresolved,
    changedDocuments,
    reindexSeconds,
    retrainSeconds: retrained ? retrained.meta.wallSeconds : null,
    afterRows,
    retrained,
  };
}
