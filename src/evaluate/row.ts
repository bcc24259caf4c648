import type { AnswerTimings, Citation, Usage } from '../types.ts';
import type { JudgeVerdict } from './metrics/judge.ts';

/** Per-question scores; null where a metric does not apply (no reference, no gold documents, no claim). */
export interface RowScores {
  exactMatch: number | null;
  f1: number | null;
  containment: number | null;
  /** LLM-as-judge correctness (1/0), when a judge is configured and the question has references. */
  judgeCorrect: number | null;
  /** Share of the answer supported by the retrieved context (judge verdict when configured, else lexical). */
  faithfulness: number | null;
  recallAtK: number | null;
  mrr: number | null;
  ndcg10: number | null;
}

export interface RetrievedChunk {
  chunkId: string;
  docId: string;
  score: number;
  text: string;
}

/** One answered (or failed) question for one strategy and one repeat: a line of `rows.jsonl`. */
export interface EvalRow {
  strategy: string;
  questionId: string;
  repeat: number;
  seed: number;
  answerable: boolean;
  answer?: string;
  abstained?: boolean;
  citations?: Citation[];
  retrieved?: RetrievedChunk[];
  timings?: AnswerTimings;
  usage?: Usage;
  scores?: RowScores;
  judge?: { correctness?: JudgeVerdict; faithfulness?: JudgeVerdict };
  /** USD for this answer from the run's price table. */
  cost?: number;
  /** Time the harness itself spent on this row (scoring, judging excluded, writing): its overhead. */
  harnessMs: number;
  /** A failed call: the run goes on, the row records why. */
  error?: { kind: string; message: string };
  finishedAt: string;
}

export function rowKey(row: Pick<EvalRow, 'strategy' | 'questionId' | 'repeat'>): string {
  return `${row.strategy}\u0000${row.questionId}\u0000${row.repeat}`;
}
