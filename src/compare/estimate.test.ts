import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { accuracyByTag } from './by-tag.ts';
import { answerSeconds, checkBudget, DEFAULT_SPEEDS, describeEstimate, trainingSeconds } from './estimate.ts';

describe('compare estimate', () => {
  const speeds = { ...DEFAULT_SPEEDS, trainTokensPerSecond: 100, trainOverheadSeconds: 10 };

  it('counts the training steps that will run, padded to the longest example of a batch', () => {
    const lengths = Array.from({ length: 100 }, (_, i) => 100 + i); // 90 train + 10 validation
    // 23 steps per epoch × 2 epochs, each 4 examples padded to the ~80th percentile (180 tokens)
    expect(trainingSeconds({ kind: 'ft', lengths, epochs: 2, batchSize: 4, cached: false }, speeds)).toBeCloseTo(
      10 + (46 * 4 * 180) / 100,
      5,
    );
    expect(
      trainingSeconds({ kind: 'ft', lengths, epochs: 2, batchSize: 4, maxSteps: 5, cached: false }, speeds),
    ).toBeCloseTo(10 + (5 * 4 * 180) / 100, 5);
    expect(trainingSeconds({ kind: 'ft', lengths, epochs: 2, batchSize: 4, cached: true }, speeds)).toBe(0);
  });

  it('counts only the answers not yet cached', () => {
    const work = { strategy: 'rag', questions: 10, repeats: 2, promptTokens: 330, done: 5 };
    expect(answerSeconds(work, 40, speeds)).toBeCloseTo(
      15 * (330 / speeds.promptTokensPerSecond + 40 / speeds.generatedTokensPerSecond),
      5,
    );
  });

  it('refuses a run over --max-minutes in one line that names the flag', () => {
    const estimate = {
      steps: [
        { step: 'train ft', seconds: 3000 },
        { step: 'evaluate', seconds: 600 },
      ],
      seconds: 3600,
    };
    expect(describeEstimate(estimate)).toBe('estimate: train ft 50 min, evaluate 10 min — about 60 min (±50%)');
    expect(() => checkBudget(estimate, 60)).not.toThrow();
    expect(() => checkBudget(estimate, 59)).toThrow(UsageError);
    expect(() => checkBudget(estimate, 59)).toThrow(
      /^the remaining work is estimated at 60 min, above --max-minutes 59: raise --max-minutes/,
    );
  });
});

describe('accuracy by question tag', () => {
  it('averages per probe kind and strategy, a failed answer scoring 0', () => {
    const row = (strategy: string, questionId: string, containment: number | null, error = false) => ({
      strategy,
      questionId,
      repeat: 0,
      seed: 1,
      answerable: true,
      scores: { containment } as never,
      ...(error ? { error: { kind: 'TrainerError', message: 'x' } } : {}),
    });
    const questions = [
      { id: 'a', question: 'q', answers: ['x'], tags: ['mem'] },
      { id: 'b', question: 'q', answers: ['x'], tags: ['gen'] },
      { id: 'c', question: 'q', answers: ['x'], tags: ['gen'] },
    ];
    const cells = accuracyByTag(
      [row('rag', 'a', 1), row('rag', 'b', 1), row('rag', 'c', 0), row('ft', 'b', null, true)] as never,
      questions,
      'containment',
    );
    expect(cells).toEqual([
      { tag: 'gen', strategy: 'rag', questions: 2, mean: 0.5, failed: 0 },
      { tag: 'gen', strategy: 'ft', questions: 1, mean: 0, failed: 1 },
      { tag: 'mem', strategy: 'rag', questions: 1, mean: 1, failed: 0 },
    ]);
  });
});
