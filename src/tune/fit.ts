import { buildRagMessages } from '../answer/prompt.ts';
import type { ChatMessage, Hit } from '../types.ts';
import type { ChatTokenizer } from './chat-tokens.ts';

/** What generated examples are fitted to: the trainer's `--max-seq-len`, in the base model's tokens. */
export interface FitTarget {
  tokenizer: ChatTokenizer;
  maxSeqLen: number;
}

/** How a set of generated examples was fitted: the report and compare.json show it. */
export interface FitReport {
  maxSeqLen: number;
  examples: number;
  /** Already short enough. */
  unchanged: number;
  /** Shortened (RAFT: distractors dropped or trimmed), then kept. */
  fitted: number;
  /** Too long even with every part that may be cut gone: the question, oracle and answer are never cut. */
  dropped: number;
  distractorsDropped: number;
  distractorsTrimmed: number;
  /** Tokens of the longest kept example. */
  longest: number;
}

export function emptyFitReport(maxSeqLen: number): FitReport {
  return {
    maxSeqLen,
    examples: 0,
    unchanged: 0,
    fitted: 0,
    dropped: 0,
    distractorsDropped: 0,
    distractorsTrimmed: 0,
    longest: 0,
  };
}

export function mergeFitReports(a: FitReport, b: FitReport): FitReport {
  return {
    maxSeqLen: Math.max(a.maxSeqLen, b.maxSeqLen),
    examples: a.examples + b.examples,
    unchanged: a.unchanged + b.unchanged,
    fitted: a.fitted + b.fitted,
    dropped: a.dropped + b.dropped,
    distractorsDropped: a.distractorsDropped + b.distractorsDropped,
    distractorsTrimmed: a.distractorsTrimmed + b.distractorsTrimmed,
    longest: Math.max(a.longest, b.longest),
  };
}

/** One line: "412 examples fit --max-seq-len 1024: 380 as they were, 30 shortened (41 distractors dropped, 12 trimmed), 2 dropped". */
export function describeFit(report: FitReport): string {
  const how = [
    report.distractorsDropped ? `${report.distractorsDropped} distractor(s) dropped` : '',
    report.distractorsTrimmed ? `${report.distractorsTrimmed} trimmed` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${report.examples} examples fitted to --max-seq-len ${report.maxSeqLen}: ${report.unchanged} as they were, ${report.fitted} shortened${how ? ` (${how})` : ''}, ${report.dropped} dropped as too long; longest kept ${report.longest} tokens`;
}

/** Keeps a plain (question → answer) chat when it fits; there is nothing in it that may be cut. */
export function fitChat(messages: ChatMessage[], target: FitTarget, report: FitReport): ChatMessage[] | null {
  report.examples++;
  const tokens = target.tokenizer.countChat(messages);
  if (tokens > target.maxSeqLen) {
    report.dropped++;
    return null;
  }
  report.unchanged++;
  report.longest = Math.max(report.longest, tokens);
  return messages;
}

type ContextChunk = Pick<Hit, 'title' | 'text' | 'headingPath'>;

/** A RAFT example before rendering: distractors in retrieval order (most relevant first), the oracle at a place. */
export interface RaftParts {
  question: string;
  answer: string;
  distractors: ContextChunk[];
  oracle: ContextChunk | null;
  /** Where the oracle goes among the distractors (0 = first). */
  oracleAt: number;
}

/** The RAFT chat: numbered documents with the oracle in place, the answer citing it when present. */
export function raftMessages(parts: RaftParts): ChatMessage[] {
  const context = [...parts.distractors];
  let answer = parts.answer;
  if (parts.oracle) {
    const at = Math.min(parts.oracleAt, context.length);
    context.splice(at, 0, parts.oracle);
    answer = `${parts.answer.replace(/[.!?…]+$/, '')} [${at + 1}].`;
  }
  return [...buildRagMessages(parts.question, context), { role: 'assistant', content: answer }];
}

/**
 * Fits a RAFT example to the target: drops the least relevant distractors first (keeping one, so the example
 * still teaches reading past noise), then trims the one left, then drops it; the question, the oracle and the
 * answer are never cut — when they alone are too long the example is dropped. Every count is exact: the
 * rendered chat is re-counted after each cut.
 */
export function fitRaft(
  parts: RaftParts,
  target: FitTarget,
  report: FitReport,
): { messages: ChatMessage[]; parts: RaftParts } | null {
  report.examples++;
  const count = (distractors: ContextChunk[]) => target.tokenizer.countChat(raftMessages({ ...parts, distractors }));
  let distractors = [...parts.distractors];
  let tokens = count(distractors);
  if (tokens <= target.maxSeqLen) {
    report.unchanged++;
    report.longest = Math.max(report.longest, tokens);
    return { messages: raftMessages(parts), parts };
  }
  let dropped = 0;
  let trimmed = 0;
  while (distractors.length > 1 && tokens > target.maxSeqLen) {
    distractors.pop();
    dropped++;
    tokens = count(distractors);
  }
  if (tokens > target.maxSeqLen && distractors.length === 1) {
    const last = distractors[0]!;
    const without = count([{ ...last, text: '' }]);
    let budget = target.maxSeqLen - without;
    let fitted = false;
    // re-tokenising a cut text can merge tokens at the cut: shrink by the overshoot until it fits
    while (budget > 0) {
      const candidate = [{ ...last, text: target.tokenizer.truncateText(last.text, budget) }];
      tokens = count(candidate);
      if (tokens <= target.maxSeqLen) {
        distractors = candidate;
        fitted = true;
        trimmed++;
        break;
      }
      budget -= tokens - target.maxSeqLen + 1;
    }
    if (!fitted) {
      distractors = [];
      dropped++;
      tokens = count(distractors);
    }
  }
  if (tokens > target.maxSeqLen) {
    report.dropped++;
    return null;
  }
  report.fitted++;
  report.distractorsDropped += dropped;
  report.distractorsTrimmed += trimmed;
  report.longest = Math.max(report.longest, tokens);
  const fittedParts = { ...parts, distractors };
  return { messages: raftMessages(fittedParts), parts: fittedParts };
}
