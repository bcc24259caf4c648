import { normalizeAnswer } from '../../evaluate/metrics/answer.ts';
import { ndcg, recallAtK } from '../../evaluate/metrics/retrieval.ts';
import type { Hit } from '../../types.ts';

/** A question as retrieval tuning judges it: gold documents where the file has them, else reference answers. */
export interface TuningQuestion {
  id: string;
  question: string;
  answers: string[];
  goldDocIds?: string[];
}

/** True when tuning can judge a retrieval for this question (gold documents, or an answer to look for). */
export function isJudgeable(question: TuningQuestion): boolean {
  return (question.goldDocIds?.length ?? 0) > 0 || question.answers.some((a) => normalizeAnswer(a) !== '');
}

/** Whether a chunk holds one of the answers (normalised, on word boundaries). */
export function containsAnswer(hit: Pick<Hit, 'text'>, answers: string[]): boolean {
  const text = ` ${normalizeAnswer(hit.text)} `;
  return answers.some((answer) => {
    const normalised = normalizeAnswer(answer);
    return normalised !== '' && text.includes(` ${normalised} `);
  });
}

/**
 * nDCG@cutoff of one ranked retrieval. With gold documents: binary-relevance nDCG over the ranked documents
 * (evaluate/metrics/retrieval.ts). With only reference answers: a chunk that contains an answer (normalised,
 * on word boundaries) is relevant, and the ideal is one such chunk first, so the score is 1 / log2(rank + 1)
 * of the first one (0 when none is within the cutoff). Null when the question can be judged neither way.
 */
export function retrievalScore(hits: Hit[], question: TuningQuestion, cutoff = 10): number | null {
  if (question.goldDocIds?.length) return ndcg(hits, question.goldDocIds, cutoff);
  if (!isJudgeable(question)) return null;
  const first = hits.slice(0, cutoff).findIndex((hit) => containsAnswer(hit, question.answers));
  return first < 0 ? 0 : 1 / Math.log2(first + 2);
}

/** Recall of the first k chunks: the share of gold documents among them, or 1 when one contains an answer. */
export function retrievalRecall(hits: Hit[], question: TuningQuestion, k: number): number | null {
  const top = hits.slice(0, k);
  if (question.goldDocIds?.length) return recallAtK(top, question.goldDocIds, k);
  if (!isJudgeable(question)) return null;
  return top.some((hit) => containsAnswer(hit, question.answers)) ? 1 : 0;
}
