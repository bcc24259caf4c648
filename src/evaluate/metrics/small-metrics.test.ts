import { describe, expect, it } from 'vitest';
import { abstentionScores } from './abstention.ts';
import { queryCost, defaultPrices, LOCAL_PRICES } from './cost.ts';
import { lexicalSupport } from './faithfulness.ts';
import { chooseJudge, judgeAgreement, judgeId, judgeRequestFromId, parseVerdict } from './judge.ts';
import { UsageError } from '../../errors.ts';
import { percentile, summarizeLatency } from './latency.ts';

describe('abstention', () => {
  it('precision and recall on unanswerable questions', () => {
    const scores = abstentionScores([
      { abstained: true, answerable: false },
      { abstained: true, answerable: true },
      { abstained: false, answerable: false },
      { abstained: false, answerable: true },
      { abstained: true, answerable: false },
    ]);
    expect(scores.precision).toBeCloseTo(2 / 3, 10);
    expect(scores.recall).toBeCloseTo(2 / 3, 10);
    expect(scores.answeredUnanswerable).toBeCloseTo(1 / 3, 10);
  });
  it('undefined cases are null, not zero', () => {
    expect(abstentionScores([{ abstained: false, answerable: true }])).toMatchObject({ precision: null, recall: null });
  });
});

describe('faithfulness (lexical)', () => {
  it('share of content tokens found in the context', () => {
    // content tokens: eiffel, tower, built, 1889, gustave → 4 of 5 in the context
    expect(
      lexicalSupport('The Eiffel Tower was built in 1889 by Gustave [1].', ['The Eiffel Tower, built in 1889.']),
    ).toBeCloseTo(4 / 5, 10);
  });
  it('no context → 0; no claim → null', () => {
    expect(lexicalSupport('Paris is big', [])).toBe(0);
    expect(lexicalSupport('', ['anything'])).toBeNull();
    expect(lexicalSupport('it is the', ['x'])).toBeNull();
  });
});

describe('latency percentiles', () => {
  it('nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(summarizeLatency([3, null, 1, undefined, 2])).toEqual({ p50: 2, p95: 3, max: 3, count: 3 });
    expect(summarizeLatency([])).toEqual({ p50: null, p95: null, max: null, count: 0 });
  });
});

describe('cost', () => {
  it('tokens priced per million plus machine time', () => {
    expect(
      queryCost(
        { inputPerMillion: 2, outputPerMillion: 8, hardwarePerHour: 0 },
        { promptTokens: 1000, completionTokens: 500 },
        1234,
      ),
    ).toBeCloseTo(0.002 + 0.004, 12);
    expect(queryCost(LOCAL_PRICES, { promptTokens: 1e6, completionTokens: 1e6 }, 36_000)).toBeCloseTo(0.001, 12);
    expect(defaultPrices('llama', '')).toBe(LOCAL_PRICES);
    expect(defaultPrices('openai', 'gpt-4o-mini').inputPerMillion).toBe(0.15);
  });
});

describe('judge verdicts', () => {
  it('parses JSON, plain words, and reports what it cannot read', () => {
    expect(parseVerdict('{"verdict": "yes"}').score).toBe(1);
    expect(parseVerdict('```json\n{"verdict":"no"}\n```').score).toBe(0);
    expect(parseVerdict('Incorrect, the year is wrong').score).toBe(0);
    const failed = parseVerdict('maybe?');
    expect(failed.score).toBeNull();
    expect(failed.parseError).toMatch(/no verdict/);
  });
});

describe('judge agreement with the references', () => {
  it('counts only answers whose token F1 is unambiguous, and names both kinds of disagreement', () => {
    const row = (f1: number | null, judgeCorrect: number | null) => ({ scores: { f1, judgeCorrect } });
    const agreement = judgeAgreement([
      row(1, 1),
      row(0.85, 0),
      row(0, 0),
      row(0, 1),
      row(0, 0),
      row(0.5, 1),
      row(null, 1),
      row(1, null),
    ]);
    expect(agreement).toEqual({ items: 5, agreed: 3, rate: 0.6, judgedRightButWrong: 1, judgedWrongButRight: 1 });
    expect(judgeAgreement([row(0.5, 1)]).rate).toBeNull();
  });
});

describe('choosing the judge', () => {
  const underTest = '/models/smollm2.gguf';
  it('refuses the model under test unless forced', () => {
    expect(() => chooseJudge({}, underTest)).toThrow(UsageError);
    expect(() => chooseJudge({}, underTest)).toThrow(
      /the judge would be the model under test \(\/models\/smollm2\.gguf\).*--judge-self/,
    );
    expect(() => chooseJudge({ model: './smollm2.gguf' }, underTest, (p) => p.replace('./', '/models/'))).toThrow(
      /--judge-model \.\/smollm2\.gguf is the model under test/,
    );
    expect(() => chooseJudge({ baseURL: 'http://h/v1', model: 'm' }, 'm@http://h/v1')).toThrow(
      /is the model under test/,
    );
    expect(chooseJudge({ self: true }, underTest)).toEqual({ kind: 'self' });
  });
  it('takes another local or remote model, and round-trips through the stored id', () => {
    const local = chooseJudge({ model: '/models/qwen.gguf' }, underTest);
    expect(local).toEqual({ kind: 'local', model: '/models/qwen.gguf' });
    const remote = chooseJudge({ baseURL: 'http://h:8080/v1', model: 'judge-7b', apiKeyEnv: 'KEY' }, underTest);
    expect(judgeRequestFromId(judgeId(remote), 'KEY')).toEqual({
      baseURL: 'http://h:8080/v1',
      model: 'judge-7b',
      apiKeyEnv: 'KEY',
    });
    expect(judgeRequestFromId(judgeId(local))).toEqual({ model: '/models/qwen.gguf' });
    expect(judgeRequestFromId(judgeId({ kind: 'self' }))).toEqual({ self: true });
    expect(() => chooseJudge({ baseURL: 'http://h/v1' }, underTest)).toThrow(/needs --judge-model/);
  });
});
