import { buildBaseMessages } from '../answer/prompt.ts';
import { UsageError } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';

/**
 * Throughputs of the default 135M model on 2 CPU cores, measured on this project's machine (BENCHMARKS.md:
 * trainer 145–159 tokens/s; compare answers: 36-token prompts 0.8 s, 377-token prompts 2.9 s at ≤ 32 tokens).
 * A run that already trained an adapter in the same home measures its own training speed instead.
 */
export const DEFAULT_SPEEDS = {
  trainTokensPerSecond: 150,
  promptTokensPerSecond: 165,
  generatedTokensPerSecond: 40,
  trainOverheadSeconds: 30,
};
export type Speeds = typeof DEFAULT_SPEEDS;

/**
 * This machine's speed now, relative to the measured defaults: one short generation with the real model, timed
 * (the second of two, past warm-up). Training and answering slow down alike when the cores are shared.
 */
export async function calibrateSpeeds(
  generator: Generator,
  speeds: Speeds = DEFAULT_SPEEDS,
): Promise<{ speeds: Speeds; factor: number }> {
  let factor = 1;
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await generator.generate({
      messages: buildBaseMessages('List the days of the week, separated by commas.'),
      maxTokens: 24,
      temperature: 0,
    });
    const expected =
      result.usage.promptTokens / speeds.promptTokensPerSecond +
      result.usage.completionTokens / speeds.generatedTokensPerSecond;
    if (expected > 0) factor = Math.min(20, Math.max(0.1, result.totalMs / 1000 / expected));
  }
  return {
    factor,
    speeds: {
      ...speeds,
      trainTokensPerSecond: speeds.trainTokensPerSecond / factor,
      promptTokensPerSecond: speeds.promptTokensPerSecond / factor,
      generatedTokensPerSecond: speeds.generatedTokensPerSecond / factor,
      trainOverheadSeconds: speeds.trainOverheadSeconds * factor,
    },
  };
}

export interface AdapterWork {
  kind: string;
  /** Token length of each kept example (exact, in the base model's tokens). */
  lengths: number[];
  epochs: number;
  maxSteps?: number;
  batchSize: number;
  /** Already trained (reused from the cache): costs nothing. */
  cached: boolean;
}

export interface AnswerWork {
  strategy: string;
  questions: number;
  repeats: number;
  promptTokens: number;
  /** Answers already in the step cache. */
  done: number;
}

export interface Estimate {
  steps: { step: string; seconds: number }[];
  seconds: number;
}

/** Training seconds: the tokens of the steps it will run (batches are padded to their longest example). */
export function trainingSeconds(work: AdapterWork, speeds: Speeds = DEFAULT_SPEEDS): number {
  if (work.cached || work.lengths.length === 0) return 0;
  const validation = work.lengths.length >= 5 ? Math.max(1, Math.round(work.lengths.length * 0.1)) : 0;
  const train = work.lengths.length - validation;
  const perEpoch = Math.ceil(train / work.batchSize);
  const steps = Math.min(perEpoch * work.epochs, work.maxSteps ?? Infinity);
  const sorted = [...work.lengths].sort((a, b) => a - b);
  // a random batch is padded to its longest member, whose expected rank is the b/(b+1) quantile
  const paddedLength =
    sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * work.batchSize) / (work.batchSize + 1)))]!;
  return speeds.trainOverheadSeconds + (steps * work.batchSize * paddedLength) / speeds.trainTokensPerSecond;
}

/** Answering seconds: prompt processing plus generation up to maxTokens, for the answers not yet cached. */
export function answerSeconds(work: AnswerWork, maxTokens: number, speeds: Speeds = DEFAULT_SPEEDS): number {
  const answers = Math.max(0, work.questions * work.repeats - work.done);
  return answers * (work.promptTokens / speeds.promptTokensPerSecond + maxTokens / speeds.generatedTokensPerSecond);
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** One line: "estimate: train ft 6 min, train raft 12 min, evaluate 3 min, freshness 7 min — about 28 min (±50%)". */
export function describeEstimate(estimate: Estimate): string {
  return `estimate: ${
    estimate.steps
      .filter((s) => s.seconds > 0)
      .map((s) => `${s.step} ${formatDuration(s.seconds)}`)
      .join(', ') || 'everything is cached'
  } — about ${formatDuration(estimate.seconds)} (±50%)`;
}

/** Refuses a run whose remaining work is estimated above --max-minutes, before any training starts. */
export function checkBudget(estimate: Estimate, maxMinutes: number): void {
  if (estimate.seconds <= maxMinutes * 60) return;
  throw new UsageError(
    `the remaining work is estimated at ${formatDuration(estimate.seconds)}, above --max-minutes ${maxMinutes}: raise --max-minutes, or cap training with --max-steps/--raft-max-steps/--max-train-examples, or use --limit (finished steps are kept)`,
  );
}
