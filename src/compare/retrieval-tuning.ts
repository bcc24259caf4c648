import type { Config, RetrievalSettings } from '../config/config.ts';
import { tunesRetrieval } from '../answer/catalog.ts';
import type { Question } from '../dataset/questions.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Fusion } from '../store/fusion.ts';
import type { Store } from '../store/store.ts';
import { describeKnobs } from '../retrieve/tuning/grid.ts';
import { generatedQuestions } from '../retrieve/tuning/questions.ts';
import type { TuningQuestion } from '../retrieve/tuning/relevance.ts';
import { assertDisjoint } from '../retrieve/tuning/split.ts';
import { tuneRetrieval } from '../retrieve/tuning/tune.ts';
import { contentHash, type StepCache } from './cache.ts';
import { findLeaks } from './leakage.ts';

/** What the report says about `rag-tuned`'s settings and how they were chosen. */
export interface RetrievalTuningReport {
  scope: string;
  devQuestions: number;
  devSource: string;
  /** Generated development questions dropped because they leak a held-out question. */
  droppedForLeakage: number;
  metric: 'nDCG@10';
  baseline: { label: string; k: number; ndcg: number };
  chosen: { label: string; k: number; mode: RetrievalSettings['mode']; fusion?: Fusion; ndcg: number };
  /** The best configurations tried (at most 10), with their development nDCG@10. */
  top: { label: string; ndcg: number }[];
}

const SCOPE =
  'query-time settings only (k, search mode, hybrid fusion), on the compare collection as chunked by the config; re-ranking is not searched';

/** Whether a compare of these strategies needs the tuning step (rag-tuned is among them). */
export function wantsRetrievalTuning(strategies: readonly string[]): boolean {
  return strategies.some(tunesRetrieval);
}

/**
 * The development questions for `rag-tuned`: generated from the corpus (a sentence's first part is the query,
 * its document the gold one), minus any that leak a held-out question, and never one of them.
 */
export async function developmentQuestions(
  store: Store,
  heldOut: Question[],
  max = 200,
): Promise<{ dev: TuningQuestion[]; dropped: number }> {
  const generated = await generatedQuestions(store, { max });
  const leaks = findLeaks(
    generated.map((q, i) => ({ line: i + 1, prompt: q.question, completion: q.answers[0] ?? '' })),
    heldOut,
  );
  const leaking = new Set(leaks.map((leak) => leak.line - 1));
  const dev = generated.filter((_, i) => !leaking.has(i));
  assertDisjoint(dev, heldOut);
  return { dev, dropped: leaking.size };
}

/**
 * The compare step before evaluation when `rag-tuned` is compared: tunes k, mode and fusion on development
 * questions disjoint from the held-out ones (cached by the collection's content and the settings).
 */
export async function tuneRetrievalForCompare(ctx: {
  cache: StepCache;
  store: Store;
  embedder: Embedder;
  heldOut: Question[];
  config: Pick<Config, 'retrieval' | 'chunking'>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, detail: string) => void;
}): Promise<{ retrieval: RetrievalSettings; report: RetrievalTuningReport; cached: boolean }> {
  const documents = await ctx.store.documents();
  const key = contentHash(
    'retrieval-tuning v1',
    documents.map((d) => [d.docId, d.docHash]),
    ctx.heldOut.map((q) => [q.id, q.question]),
    ctx.config.retrieval,
    ctx.config.chunking,
    ctx.embedder.id,
  );
  const cached = await ctx.cache.get<RetrievalTuningReport>('retrieval-tuning', key);
  const report = cached ?? (await ctx.cache.set('retrieval-tuning', key, await search(ctx)));
  const { chosen } = report;
  const retrieval: RetrievalSettings = {
    ...ctx.config.retrieval,
    k: chosen.k,
    mode: chosen.mode,
    fusion: chosen.fusion,
  };
  return { retrieval, report, cached: cached !== undefined };
}

async function search(ctx: Parameters<typeof tuneRetrievalForCompare>[0]): Promise<RetrievalTuningReport> {
  const { dev, dropped } = await developmentQuestions(ctx.store, ctx.heldOut);
  const result = await tuneRetrieval({
    store: ctx.store,
    embedder: ctx.embedder,
    questions: dev,
    baseline: { chunking: ctx.config.chunking, retrieval: ctx.config.retrieval },
    signal: ctx.signal,
    onProgress: (phase, done, total) => ctx.onProgress?.(done, total, phase),
  });
  return {
    scope: SCOPE,
    devQuestions: dev.length,
    devSource: 'cloze questions generated from the corpus (gold: their document)',
    droppedForLeakage: dropped,
    metric: 'nDCG@10',
    baseline: { label: describeKnobs(result.baseline), k: result.baseline.k, ndcg: result.baseline.ndcg },
    chosen: {
      label: describeKnobs(result.chosen),
      k: result.chosen.k,
      mode: result.chosen.mode,
      ...(result.chosen.fusion ? { fusion: result.chosen.fusion } : {}),
      ndcg: result.best.ndcg,
    },
    top: result.tried.slice(0, 10).map((t) => ({ label: describeKnobs(t), ndcg: t.ndcg })),
  };
}

/** The compare step's one-line result. */
export function describeTuningStep(report: RetrievalTuningReport): string {
  const { chosen, baseline } = report;
  return `${report.devQuestions} development questions (${report.droppedForLeakage} dropped as leaks): ${chosen.label}, k ${chosen.k} (dev nDCG@10 ${chosen.ndcg.toFixed(3)} vs ${baseline.label} ${baseline.ndcg.toFixed(3)})`;
}

/** The report's lines on rag-tuned's settings: what was chosen, against what, on which questions. */
export function retrievalTuningLines(report: RetrievalTuningReport): string[] {
  const f = (n: number) => n.toFixed(3);
  return [
    `rag-tuned: ${report.chosen.label}, k ${report.chosen.k} (dev ${report.metric} ${f(report.chosen.ndcg)}; rag's ${report.baseline.label}, k ${report.baseline.k}: ${f(report.baseline.ndcg)})`,
    `  tuned on ${report.devQuestions} ${report.devSource}, none of them held out (${report.droppedForLeakage} dropped as leaks); ${report.scope}`,
  ];
}
