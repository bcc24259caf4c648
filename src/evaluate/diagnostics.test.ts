import { describe, expect, it } from 'vitest';
import { chooseDiagnosticMetric, classifyReading, summarizeDiagnostics, type DiagnosticRow } from './diagnostics.ts';

const row = (
  questionId: string,
  goldRetrieved: boolean,
  scores: [number | null, number | null, number | null, number | null],
): DiagnosticRow => {
  const [closed, gold, retrieved, distractors] = scores;
  return {
    strategy: 'rag',
    questionId,
    goldRetrieved,
    scores: { 'closed-book': closed, gold, retrieved, distractors },
    answers: { 'closed-book': '', gold: '', retrieved: '', distractors: '' },
  };
};

describe('reading diagnostics', () => {
  it('separates retrieval failures from reading failures and distraction', () => {
    expect(classifyReading(row('a', true, [0, 1, 1, 0]))).toBe('right');
    expect(classifyReading(row('b', false, [0, 1, 0, 0]))).toBe('retrieval failure');
    expect(classifyReading(row('c', true, [0, 1, 0, 0]))).toBe('distracted');
    expect(classifyReading(row('d', true, [0, 0, 0, 0]))).toBe('reading failure');
    expect(classifyReading(row('e', false, [0, null, 0, 0]))).toBe('unknown');
  });
  it('summarizes each condition with its own n and counts the outcomes', () => {
    const summary = summarizeDiagnostics([
      row('a', true, [0, 1, 1, null]),
      row('b', false, [1, 1, 0, 0]),
      row('c', true, [0, 0, 0, 1]),
    ]);
    expect(summary.conditions.gold.mean).toBeCloseTo(2 / 3, 10);
    expect(summary.conditions.distractors).toMatchObject({ n: 2, mean: 0.5 });
    expect(summary.outcomes).toEqual({
      right: 1,
      'retrieval failure': 1,
      distracted: 0,
      'reading failure': 1,
      unknown: 0,
    });
    expect(summary.goldRecall).toBeCloseTo(2 / 3, 10);
  });
  it('scores short answers by containment and sentence answers by token F1', () => {
    const q = (answers: string[]) => ({ id: 'x', question: '?', answers });
    expect(chooseDiagnosticMetric([q(['Paris']), q(['1889', 'in 1889'])])).toBe('containment');
    expect(chooseDiagnosticMetric([q(['The tower was built for the 1889 World Fair in Paris by Eiffel.'])])).toBe('f1');
  });
});
