import { describe, expect, it } from 'vitest';
import { recommend } from './recommend.ts';
import { DEMO_PRIORITIES, demoEvidence } from './recommend-fixtures.ts';
import { rankingText, sampleVerdict, verdictText } from './summary.ts';

describe('the closing verdict of a small sample', () => {
  it('at the demo size: says plainly there is no recommendation, and what would decide', () => {
    const result = recommend(demoEvidence(1), DEMO_PRIORITIES);
    expect(verdictText(result)).toMatch(
      /^inconclusive: no strategy recommended; about [\d,]+ held-out questions would decide$/,
    );
    expect(rankingText(result)).toMatch(/^1\. (ft-rag|raft|rag)( = (ft-rag|raft|rag)){2}  4\. /);
    const text = sampleVerdict(result, 9, (needed) => `run ${needed} questions`);
    expect(text).toMatch(
      /^No recommendation: the sample is too small to decide\. 9 held-out questions cannot separate/,
    );
    expect(text).toContain(`To decide: run ${result.questionsNeeded} questions.`);
    expect(text).not.toMatch(/Verdict:/);
  });
  it('with enough questions: a verdict only when the data supports one', () => {
    const result = recommend(
      demoEvidence(22).filter((e) => e.name !== 'raft'),
      DEMO_PRIORITIES,
    );
    expect(result.verdict).toBe('recommended');
    expect(sampleVerdict(result, 198, () => '')).toBe('Verdict: ft-rag, supported by the data under these priorities.');
  });
});
