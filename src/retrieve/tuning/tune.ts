import type { RetrievalSettings } from '../../config/config.ts';
import type { Embedder } from '../../embed/embedder.ts';
import type { Fusion } from '../../store/fusion.ts';
import type { Store } from '../../store/store.ts';
import type { SearchMode } from '../../types.ts';
import type { Reranker } from '../reranker.ts';
import {
  chunkingGrid,
  describeChunking,
  describeKnobs,
  K_GRID,
  queryGrid,
  type Chunking,
  type QueryKnobs,
} from './grid.ts';
import { embedQuestions, measure, ranked, rerankedOrders, searchLists, type QuestionLists } from './measure.ts';
import type { TuningQuestion } from './relevance.ts';
import { chunkingVariant, isVariantBuilt, sourceDocuments, variantName } from './variants.ts';

export interface TuneRetrievalOptions {
  /** The user's collection: only searched, never written. */
  store: Store;
  embedder: Embedder;
  /** The development questions (judgeable ones: gold documents or answers); the caller keeps held-out ones away. */
  questions: TuningQuestion[];
  /** The settings in force: the baseline every candidate is compared with (measured without reranking). */
  baseline: { chunking: Chunking; retrieval: Pick<RetrievalSettings, 'k' | 'mode' | 'fusion'> };
  /** Also try other chunkings, each built in its own collection under `root`; omitted: query-time knobs only. */
  rechunk?: { root: string; maxReindex?: number };
  /** Also measure reranking (for the best `rerankTop` configurations, default 2); omitted: not searched. */
  reranker?: Reranker;
  rerankTop?: number;
  /** k is the smallest of K_GRID whose recall is within this of the largest k's (default 0.02). */
  kTolerance?: number;
  signal?: AbortSignal;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** One configuration tried, with its development scores. */
export interface TriedConfig {
  label: string;
  chunking: Chunking;
  mode: SearchMode;
  fusion?: Fusion;
  rerank: boolean;
  /** Mean nDCG@10 on the development questions. */
  ndcg: number;
  /** Mean recall of the first k chunks, per k of the grid. */
  recall: Record<number, number>;
}

/** The settings tuning chose. */
export interface RetrievalChoice {
  chunking: Chunking;
  k: number;
  mode: SearchMode;
  fusion?: Fusion;
  /** Absent when re-ranking was not searched: the setting in force is kept. */
  rerank?: boolean;
}

export interface ChunkingTried {
  chunking: Chunking;
  /** `collection`: the user's collection as indexed; `variant`: a re-chunked copy. */
  source: 'collection' | 'variant';
  chunks: number;
  cached: boolean;
  seconds: number;
}

export interface TuneRetrievalResult {
  metric: 'nDCG@10';
  devQuestions: number;
  baseline: TriedConfig & { k: number };
  chosen: RetrievalChoice;
  best: TriedConfig;
  /** Every configuration, best first (ties keep grid order: the baseline before the rest). */
  tried: TriedConfig[];
  chunkings: ChunkingTried[];
  /** Why parts of the grid were skipped (missing sources, --max-reindex). */
  notes: string[];
}

const sameChunking = (a: Chunking, b: Chunking) => a.maxTokens === b.maxTokens && a.overlapTokens === b.overlapTokens;
const label = (chunking: Chunking, knobs: QueryKnobs, rerank: boolean) =>
  `${describeChunking(chunking)} ${describeKnobs(knobs)}${rerank ? ' +rerank' : ''}`;

/**
 * Searches chunking × (mode, fusion) × k × rerank on the development questions by nDCG@10 of the first ten
 * chunks. Each chunking's vector and keyword lists are fetched once per question and every fusion is computed
 * from them. k is then the smallest of {3, 5, 8} whose recall stays within `kTolerance` of k = 8 (a larger k
 * never lowers recall, but hands the generator more text). The reranker, one generation per candidate, is
 * measured only on the best configurations.
 */
export async function tuneRetrieval(options: TuneRetrievalOptions): Promise<TuneRetrievalResult> {
  const { questions, baseline } = options;
  const progress = options.onProgress ?? (() => {});
  const notes: string[] = [];
  progress('embed questions', 0, questions.length);
  const vectors = await embedQuestions(options.embedder, questions, options.signal);
  const baseKnobs: QueryKnobs = { mode: baseline.retrieval.mode, fusion: baseline.retrieval.fusion };
  // the baseline's knobs first, so that on a tie the settings in force win
  const grid = [baseKnobs, ...queryGrid().filter((knobs) => describeKnobs(knobs) !== describeKnobs(baseKnobs))];

  const tried: TriedConfig[] = [];
  const lists = new Map<string, QuestionLists[]>();
  const chunkings: ChunkingTried[] = [];
  const score = (chunking: Chunking, fetched: QuestionLists[]) => {
    lists.set(describeChunking(chunking), fetched);
    for (const knobs of grid) {
      const measured = measure(questions, (i, limit) => ranked(fetched[i]!, knobs, limit));
      tried.push({
        label: label(chunking, knobs, false),
        chunking,
        ...knobs,
        rerank: false,
        ndcg: measured.ndcg,
        recall: measured.recall,
      });
    }
  };
  const phase = (what: string, chunking: Chunking) => (done: number, total: number) =>
    progress(`${what} ${describeChunking(chunking)}`, done, total);

  const started = performance.now();
  score(
    baseline.chunking,
    await searchLists(options.store, questions, vectors, {
      signal: options.signal,
      onProgress: phase('search', baseline.chunking),
    }),
  );
  chunkings.push({
    chunking: baseline.chunking,
    source: 'collection',
    chunks: (await options.store.documents()).reduce((s, d) => s + d.chunks, 0),
    cached: true,
    seconds: (performance.now() - started) / 1000,
  });

  if (options.rechunk) {
    const { documents, missing } = await sourceDocuments(options.store);
    if (missing.length) {
      notes.push(
        `chunking not searched: ${missing.length} source file(s) are gone or changed since ingest (e.g. ${missing[0]}); re-ingest first`,
      );
    } else {
      let built = 0;
      for (const chunking of chunkingGrid(baseline.chunking).filter((c) => !sameChunking(c, baseline.chunking))) {
        const name = variantName(options.embedder.id, chunking, documents);
        if (
          !isVariantBuilt(options.rechunk.root, name) &&
          built >= (options.rechunk.maxReindex ?? Number.POSITIVE_INFINITY)
        ) {
          notes.push(
            `chunking ${describeChunking(chunking)} not tried: --max-reindex ${options.rechunk.maxReindex} reached`,
          );
          continue;
        }
        const variant = await chunkingVariant({
          root: options.rechunk.root,
          documents,
          embedder: options.embedder,
          chunking,
          signal: options.signal,
          onProgress: phase('re-chunk', chunking),
        });
        try {
          if (!variant.cached) built++;
          score(
            chunking,
            await searchLists(variant.store, questions, vectors, {
              signal: options.signal,
              onProgress: phase('search', chunking),
            }),
          );
          chunkings.push({
            chunking,
            source: 'variant',
            chunks: variant.chunks,
            cached: variant.cached,
            seconds: variant.seconds,
          });
        } finally {
          await variant.store.dispose();
        }
      }
    }
  }

  const byScore = (a: TriedConfig, b: TriedConfig) => b.ndcg - a.ndcg;
  tried.sort(byScore);
  if (options.reranker) {
    for (const config of tried.slice(0, options.rerankTop ?? 2)) {
      const fetched = lists.get(describeChunking(config.chunking))!;
      const orders = await rerankedOrders(options.reranker, questions, fetched, config, {
        signal: options.signal,
        onProgress: (d, t) => progress(`rerank ${config.label}`, d, t),
      });
      const measured = measure(questions, (i, limit) => orders[i]!.slice(0, limit));
      tried.push({
        ...config,
        label: `${config.label} +rerank`,
        rerank: true,
        ndcg: measured.ndcg,
        recall: measured.recall,
      });
    }
    tried.sort(byScore);
  }
  const best = tried[0]!;
  const base = tried.find(
    (t) => !t.rerank && sameChunking(t.chunking, baseline.chunking) && describeKnobs(t) === describeKnobs(baseKnobs),
  )!;
  return {
    metric: 'nDCG@10',
    devQuestions: questions.length,
    baseline: { ...base, k: baseline.retrieval.k },
    chosen: {
      chunking: best.chunking,
      k: chooseK(best.recall, options.kTolerance ?? 0.02),
      mode: best.mode,
      ...(best.fusion ? { fusion: best.fusion } : {}),
      ...(options.reranker ? { rerank: best.rerank } : {}),
    },
    best,
    tried,
    chunkings,
    notes,
  };
}

/** The smallest k of the grid whose recall is within `tolerance` of the largest k's. */
export function chooseK(recall: Record<number, number>, tolerance: number): number {
  const largest = K_GRID.at(-1)!;
  return K_GRID.find((k) => (recall[k] ?? 0) >= (recall[largest] ?? 0) - tolerance) ?? largest;
}
