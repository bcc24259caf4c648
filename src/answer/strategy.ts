import type { Answer, ChatMessage } from '../types.ts';

export interface AnswerOptions {
  signal?: AbortSignal;
  /** Sampling seed; with temperature 0 answers are deterministic. */
  seed?: number;
  temperature?: number;
  onToken?: (text: string) => void;
  /** Earlier turns of a chat: strategies that retrieve rewrite a follow-up into a standalone query from them. */
  history?: ChatMessage[];
}

/** Question in, answer out: base, rag, ft, ft-rag, raft. The eval harness only sees this. */
export interface Strategy {
  readonly name: string;
  answer(question: string, options?: AnswerOptions): Promise<Answer>;
}
