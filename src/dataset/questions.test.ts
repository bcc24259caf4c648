import { describe, expect, it } from 'vitest';
import { isAnswerable, parseQuestions } from './questions.ts';

describe('questions JSONL', () => {
  it('keeps valid lines and names file:line and field for the others', () => {
    const text = [
      '{"id":"q1","question":"Who?","answers":["Ada"],"goldDocIds":["a.md"]}',
      '',
      '{"id":"q2","question":"","answers":[]}',
      'not json',
      '{"id":"q3","question":"Why?","answers":"no"}',
      '{"id":"q1","question":"Again?","answers":[]}',
      '{"id":"q4","question":"Where?","answers":[],"answerable":false,"tags":["x"]}',
    ].join('\n');
    const set = parseQuestions(text, 'data.jsonl');
    expect(set.questions.map((q) => q.id)).toEqual(['q1', 'q4']);
    expect(set.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^data\.jsonl:3 field "question": /),
      expect.stringMatching(/^data\.jsonl:4: not valid JSON/),
      expect.stringMatching(/^data\.jsonl:5 field "answers": /),
      'data.jsonl:6 field "id": duplicate id "q1"',
    ]);
    expect(set.errors[0]!.name).toBe('DatasetError');
  });
  it('answerable defaults to having answers', () => {
    expect(isAnswerable({ id: 'a', question: 'q', answers: [] })).toBe(false);
    expect(isAnswerable({ id: 'a', question: 'q', answers: ['x'] })).toBe(true);
    expect(isAnswerable({ id: 'a', question: 'q', answers: [], answerable: true })).toBe(true);
  });
});
