import type { Embedder } from '../../embed/embedder.ts';
import { mean } from '../../evaluate/metrics/statistics.ts';
import { fuseHybrid } from '../../store/fusion.ts';
import type { Store } from '../../store/store.ts';
import type { Hit } from '../../types.ts';
import type { Reranker } from '../reranker.ts';
import { K_GRID, type QueryKnobs } from './grid.ts';
import { retrievalRecall, retrievalScore, type TuningQuestion } from './relevance.ts';

/** nDCG is measured over the first 10 chunks. */
export const CUTOFF = 10;
/** Candidates the reranker grades per question when its benefit is measured (the first 10 of the fused list). */
export const RERANK_CANDIDATES = 10;
/** How deep a hybrid search reads each list for `limit` hits: the same rule as every store backend. */
const depthFor = (limit: number) => Math.max(limit * 3, 20);
/** One vector and one keyword search per question, deep enough for every limit measured. */
const LIST_DEPTH = depthFor(Math.max(CUTOFF, ...K_GRID));

/** A question's vector and keyword lists, from which every fusion is computed without asking the store again. */
export interface QuestionLists {
  vector: Hit[];
  keyword: Hit[];
}

/** The dev questions' query vectors, embedded once for all chunkings (same embedder). */
export async function embedQuestions(
  embedder: Embedder,
  questions: TuningQuestion[],
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < questions.length; start += 32) {
    const batch = questions.slice(start, start + 32).map((q) => q.question);
    vectors.push(...(await embedder.embed(batch, { signal })));
  }
  return vectors;
}

export async function searchLists(
  store: Store,
  questions: TuningQuestion[],
  vectors: Float32Array[],
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<QuestionLists[]> {
  const lists: QuestionLists[] = [];
  for (const [i, question] of questions.entries()) {
    options.signal?.throwIfAborted();
    const [vector, keyword] = await Promise.all([
      store.search({ mode: 'vector', vector: vectors[i], k: LIST_DEPTH }),
      store.search({ mode: 'keyword', text: question.question, k: LIST_DEPTH }),
    ]);
    lists.push({ vector, keyword });
    options.onProgress?.(i + 1, questions.length);
  }
  return lists;
}

/** The first `limit` hits the store would return for these knobs (lists cut to the depth the store reads). */
export function ranked(lists: QuestionLists, knobs: QueryKnobs, limit: number): Hit[] {
  if (knobs.mode === 'vector') return lists.vector.slice(0, limit);
  if (knobs.mode === 'keyword') return lists.keyword.slice(0, limit);
  const depth = depthFor(limit);
  return fuseHybrid(lists.vector.slice(0, depth), lists.keyword.slice(0, depth), { fusion: knobs.fusion, limit });
}

export interface Measured {
  /** Mean nDCG@10 over the questions. */
  ndcg: number;
  /** nDCG@10 per question, in question order (for paired comparisons). */
  perQuestion: number[];
  /** Mean recall of the first k chunks, per k of the grid. */
  recall: Record<number, number>;
}

/** Scores a ranking function (question index, limit → hits) on the questions. */
export function measure(questions: TuningQuestion[], rank: (index: number, limit: number) => Hit[]): Measured {
  const perQuestion = questions.map((q, i) => retrievalScore(rank(i, CUTOFF), q, CUTOFF) ?? 0);
  const recall: Record<number, number> = {};
  for (const k of K_GRID) recall[k] = mean(questions.map((q, i) => retrievalRecall(rank(i, k), q, k) ?? 0)) ?? 0;
  return { ndcg: mean(perQuestion) ?? 0, perQuestion, recall };
}

/**
 * The reranker's order of each question's first RERANK_CANDIDATES hits: one short generation per candidate.
 * At serving time it grades 3 × k candidates; measuring on 10 keeps the search affordable.
 */
export async function rerankedOrders(
  reranker: Reranker,
  questions: TuningQuestion[],
  lists: QuestionLists[],
  knobs: QueryKnobs,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<Hit[][]> {
  const orders: Hit[][] = [];
  for (const [i, question] of questions.entries()) {
    const candidates = ranked(lists[i]!, knobs, RERANK_CANDIDATES);
    const order = candidates.length
      ? await reranker.rerank(question.question, candidates, { k: RERANK_CANDIDATES, signal: options.signal })
      : [];
    // served in this exact order (grade, then retrieval rank): scored as a strict order, not as ties of equal grades
    orders.push(order.map((hit, rank) => ({ ...hit, score: -rank })));
    options.onProgress?.(i + 1, questions.length);
  }
  return orders;
}

/** nDCG@10 and recall of one setting on a store (the held-out check of a choice, and the bench). */
export async function measureSettings(options: {
  store: Store;
  embedder: Embedder;
  questions: TuningQuestion[];
  knobs: QueryKnobs;
  reranker?: Reranker;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<Measured> {
  const vectors = await embedQuestions(options.embedder, options.questions, options.signal);
  const lists = await searchLists(options.store, options.questions, vectors, options);
  if (!options.reranker) return measure(options.questions, (i, limit) => ranked(lists[i]!, options.knobs, limit));
  const orders = await rerankedOrders(options.reranker, options.questions, lists, options.knobs, options);
  return measure(options.questions, (i, limit) => orders[i]!.slice(0, limit));
}
