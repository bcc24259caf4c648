import type { Strategy } from '../answer/strategy.ts';
import { isAnswerable, type Question } from '../dataset/questions.ts';
import { errorMessage } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import type { Answer } from '../types.ts';
import { queryCost, type PriceTable } from './metrics/cost.ts';
import { rowKey, type EvalRow } from './row.ts';
import { judgeAnswer, scoreAnswer } from './score.ts';

export interface EvaluateOptions {
  questions: Question[];
  /** Any strategies: the harness sees only question → Answer. */
  strategies: Strategy[];
  repeats: number;
  /** Repeat r samples with seed baseSeed + r. */
  baseSeed: number;
  temperature: number;
  prices: PriceTable;
  /** When set: LLM-as-judge correctness, and judge faithfulness instead of the lexical score. */
  judge?: Generator;
  /** Rows already stored (resume): these are skipped. */
  done?: EvalRow[];
  /** Called with each row as it completes (the CLI appends it to rows.jsonl). */
  onRow: (row: EvalRow) => Promise<void> | void;
  onProgress?: (completed: number, total: number) => void;
  signal?: AbortSignal;
}

function errorKind(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/**
 * Answers every question with every strategy, `repeats` times, and scores each answer. Strategies are
 * interleaved per question so a partial run still compares them on the same questions. A failed call becomes a
 * row with its error; only an abort stops the run (and `--resume` continues it).
 */
export interface EvaluateResult {
  rows: EvalRow[];
  /** Where the time went: model calls, judge calls, and everything else (the harness's own overhead). */
  stats: { wallMs: number; modelMs: number; judgeMs: number; harnessMs: number };
}

export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const wallStarted = performance.now();
  let modelMs = 0;
  let judgeMs = 0;
  const done = new Set((options.done ?? []).map(rowKey));
  const total = options.repeats * options.questions.length * options.strategies.length;
  let completed = done.size;
  const rows: EvalRow[] = [];
  options.onProgress?.(completed, total);
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    const seed = options.baseSeed + repeat;
    for (const question of options.questions) {
      for (const strategy of options.strategies) {
        if (done.has(rowKey({ strategy: strategy.name, questionId: question.id, repeat }))) continue;
        options.signal?.throwIfAborted();
        const { row, timing } = await answerOne(options, strategy, question, repeat, seed);
        modelMs += timing.modelMs;
        judgeMs += timing.judgeMs;
        rows.push(row);
        await options.onRow(row);
        completed += 1;
        options.onProgress?.(completed, total);
      }
    }
  }
  const wallMs = performance.now() - wallStarted;
  return { rows, stats: { wallMs, modelMs, judgeMs, harnessMs: wallMs - modelMs - judgeMs } };
}

interface RowTiming {
  modelMs: number;
  judgeMs: number;
}

async function answerOne(
  options: EvaluateOptions,
  strategy: Strategy,
  question: Question,
  repeat: number,
  seed: number,
): Promise<{ row: EvalRow; timing: RowTiming }> {
  const base = { strategy: strategy.name, questionId: question.id, repeat, seed, answerable: isAnswerable(question) };
  let answer: Answer;
  const call = performance.now();
  try {
    answer = await strategy.answer(question.question, {
      seed,
      temperature: options.temperature,
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const row = {
      ...base,
      error: { kind: errorKind(error), message: errorMessage(error) },
      harnessMs: 0,
      finishedAt: new Date().toISOString(),
    };
    return { row, timing: { modelMs: performance.now() - call, judgeMs: 0 } };
  }
  const modelMs = performance.now() - call;
  const started = performance.now();
  const scores = scoreAnswer(question, answer);
  let judged: EvalRow['judge'];
  let judgeMs = 0;
  if (options.judge) {
    const judgeStarted = performance.now();
    try {
      judged = await judgeAnswer(options.judge, question, answer, options.signal);
      scores.judgeCorrect = judged.correctness?.score ?? null;
      if (judged.faithfulness) scores.faithfulness = judged.faithfulness.score;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const row = {
        ...base,
        answer: answer.answer,
        error: { kind: `judge:${errorKind(error)}`, message: errorMessage(error) },
        harnessMs: 0,
        finishedAt: new Date().toISOString(),
      };
      return { row, timing: { modelMs, judgeMs: performance.now() - judgeStarted } };
    }
    judgeMs = performance.now() - judgeStarted;
  }
  const row: EvalRow = {
    ...base,
    answer: answer.answer,
    abstained: answer.abstained,
    citations: answer.citations,
    retrieved: answer.retrieved.map(({ chunkId, docId, score, text }) => ({ chunkId, docId, score, text })),
    timings: answer.timings,
    usage: answer.usage,
    scores,
    judge: judged,
    cost: queryCost(options.prices, answer.usage, answer.timings.totalMs),
    harnessMs: performance.now() - started - judgeMs,
    finishedAt: new Date().toISOString(),
  };
  return { row, timing: { modelMs, judgeMs } };
}
