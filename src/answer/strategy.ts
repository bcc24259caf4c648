import type { Answer } from '../types.ts';

export interface AnswerOptions {
  signal?: AbortSignal;
  /** Sampling seed; with temperature 0 answers are deterministic. */
  seed?: number;
  temperature?: number;
  onToken?: (text: string) => void;
}

/** Question in, answer out: base, rag, ft, ft-rag, raft. The eval harness only sees this. */
export interface Strategy {
  readonly name: string;
  answer(question: string, options?: AnswerOptions): Promise<Answer>;
}
