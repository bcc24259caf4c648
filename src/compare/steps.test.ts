import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Strategy } from '../answer/strategy.ts';
import { parseQuestions } from '../dataset/questions.ts';
import { LOCAL_PRICES } from '../evaluate/metrics/cost.ts';
import { parseJsonLines } from '../io/jsonl.ts';
import { evaluateCached } from './steps.ts';

const { questions } = parseQuestions(
  ['q1', 'q2', 'q3'].map((id) => JSON.stringify({ id, question: `Question ${id}?`, answers: [id] })).join('\n'),
  'q.jsonl',
);

/** Answers with the question's id, counting its calls. */
function echo(calls: string[]): Strategy {
  return {
    name: 'echo',
    async answer(question) {
      calls.push(question);
      return {
        answer: question.slice('Question '.length, -1),
        abstained: false,
        citations: [],
        retrieved: [],
        timings: { retrieveMs: 0, rerankMs: 0, generateMs: 1, firstTokenMs: 1, totalMs: 1 },
        usage: { promptTokens: 5, completionTokens: 1 },
      };
    },
  };
}

describe('evaluateCached', () => {
  it('resumes after a kill cut the last cached row short: the cut row is answered again and every row is kept', async () => {
    const rowsFile = join(await mkdtemp(join(tmpdir(), 'attune-steps-')), 'eval', 'rows.jsonl');
    const options = { rowsFile, repeats: 1, maxTokens: 8, prices: LOCAL_PRICES };
    const first: string[] = [];
    await evaluateCached({ ...options, questions: questions.slice(0, 2), strategies: [echo(first)] });
    expect(first).toHaveLength(2);
    await appendFile(rowsFile, '{"strategy":"echo","questionId":"q3","repeat":0,"answ');
    const second: string[] = [];
    const rows = await evaluateCached({ ...options, questions, strategies: [echo(second)] });
    expect(second).toEqual(['Question q3?']);
    expect(rows.map((r) => r.questionId).sort()).toEqual(['q1', 'q2', 'q3']);
    const lines = parseJsonLines(await readFile(rowsFile, 'utf8'));
    expect(lines.filter((l) => l.error)).toEqual([]);
    // a third run finds all three on disk and answers nothing
    const third: string[] = [];
    expect(await evaluateCached({ ...options, questions, strategies: [echo(third)] })).toHaveLength(3);
    expect(third).toEqual([]);
  });
});
