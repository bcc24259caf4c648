import type { Embedder } from '../../embed/embedder.ts';
import { pairedTest, type PairedTest } from '../../evaluate/metrics/statistics.ts';
import type { Store } from '../../store/store.ts';
import type { Reranker } from '../reranker.ts';
import { measureSettings } from './measure.ts';
import type { TuningQuestion } from './relevance.ts';
import { assertDisjoint, splitQuestions } from './split.ts';
import { tuneRetrieval, type TuneRetrievalOptions, type TuneRetrievalResult } from './tune.ts';
import { chunkingVariant, sourceDocuments } from './variants.ts';

/** The chosen settings against the baseline on the held-out questions the search never saw. */
export interface HeldOutCheck {
  questions: number;
  baseline: number;
  chosen: number;
  /** Paired bootstrap of chosen − baseline nDCG@10 per question; null without held-out questions. */
  test: PairedTest | null;
}

export interface TuneRunResult extends TuneRetrievalResult {
  split: { dev: number; heldOut: number; devFraction: number; devIds: string[] };
  heldOut: HeldOutCheck | null;
}

/**
 * Splits the questions (deterministically, by id), tunes on the development part only, then measures the
 * baseline and the choice on the held-out part: the honest estimate of what tuning bought.
 */
export async function tuneOnSplit(
  options: Omit<TuneRetrievalOptions, 'questions'> & { questions: TuningQuestion[]; devFraction: number },
): Promise<TuneRunResult> {
  const { dev, heldOut } = splitQuestions(options.questions, options.devFraction);
  assertDisjoint(dev, heldOut);
  const result = await tuneRetrieval({ ...options, questions: dev });
  const split = {
    dev: dev.length,
    heldOut: heldOut.length,
    devFraction: options.devFraction,
    devIds: dev.map((q) => q.id),
  };
  if (heldOut.length === 0) return { ...result, split, heldOut: null };
  return { ...result, split, heldOut: await checkHeldOut(options, result, heldOut) };
}

async function checkHeldOut(
  options: {
    store: Store;
    embedder: Embedder;
    rechunk?: { root: string };
    reranker?: Reranker;
    signal?: AbortSignal;
    onProgress?: TuneRetrievalOptions['onProgress'];
  },
  result: TuneRetrievalResult,
  questions: TuningQuestion[],
): Promise<HeldOutCheck> {
  const progress = (what: string) => (done: number, total: number) => options.onProgress?.(what, done, total);
  const baseline = await measureSettings({
    store: options.store,
    embedder: options.embedder,
    questions,
    knobs: result.baseline,
    signal: options.signal,
    onProgress: progress('held-out baseline'),
  });
  const { chosen } = result;
  const rechunked =
    chosen.chunking.maxTokens !== result.baseline.chunking.maxTokens ||
    chosen.chunking.overlapTokens !== result.baseline.chunking.overlapTokens;
  // the chosen chunking's variant was built during the search: reopening it embeds nothing
  const variant = rechunked
    ? await chunkingVariant({
        root: options.rechunk!.root,
        documents: (await sourceDocuments(options.store)).documents,
        embedder: options.embedder,
        chunking: chosen.chunking,
        signal: options.signal,
      })
    : undefined;
  try {
    const measured = await measureSettings({
      store: variant?.store ?? options.store,
      embedder: options.embedder,
      questions,
      knobs: chosen,
      reranker: chosen.rerank ? options.reranker : undefined,
      signal: options.signal,
      onProgress: progress('held-out chosen'),
    });
    return {
      questions: questions.length,
      baseline: baseline.ndcg,
      chosen: measured.ndcg,
      test: pairedTest(measured.perQuestion, baseline.perQuestion, { seed: 7 }),
    };
  } finally {
    await variant?.store.dispose();
  }
}
