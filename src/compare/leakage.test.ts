import { describe, expect, it } from 'vitest';
import { assertNoLeakage, countLeaks, findLeaks, inOrder, LeakageError } from './leakage.ts';

const questions = [
  {
    id: 'q1',
    question: 'Complete: The Zorgon–Calidus government introduced devolved power across its …',
    answers: ['50 provinces'],
  },
  { id: 'q2', question: 'Who founded the city of Quellton?', answers: ['Mira Vass'] },
];

describe('findLeaks', () => {
  it('finds exact, near-duplicate and sentence leaks (any cut point or template) and passes honest corpus examples', () => {
    const leaks = findLeaks(
      [
        { line: 1, prompt: 'who founded the city of Quellton', completion: 'Mira Vass' },
        { line: 2, prompt: 'Who founded the city of Quellton, exactly?', completion: 'Mira' },
        {
          line: 3,
          prompt: 'Continue the text: In 6678 the Zorgon–Calidus government introduced devolved power across its',
          completion: '50 provinces, an unprecedented move.',
        },
        {
          line: 4,
          prompt: 'Continue the text: The Zorgon–Calidus government introduced',
          completion: 'devolved power across its 50 provinces.',
        },
        { line: 5, prompt: 'Where is Quellton?', completion: 'On the coast.' },
        // RAG-style training: the documents are knowledge; only the question and the answer are checked
        {
          line: 6,
          prompt:
            'Documents:\n[1] The Zorgon–Calidus government introduced devolved power across its 50 provinces.\n\nUsing the documents above, answer briefly: When did the government reform?',
          completion: 'In 6678 [1].',
        },
        // the same sentence without the answer teaches nothing about the held-out item
        {
          line: 7,
          prompt: 'Complete: The Zorgon–Calidus government introduced devolved power …',
          completion: 'across its regions.',
        },
      ],
      questions,
    );
    expect(leaks).toEqual([
      { line: 1, questionId: 'q2', reason: 'exact' },
      { line: 2, questionId: 'q2', reason: 'near-duplicate' },
      { line: 3, questionId: 'q1', reason: 'sentence' },
      { line: 4, questionId: 'q1', reason: 'sentence' },
    ]);
    expect(countLeaks(leaks)).toEqual({
      examples: 4,
      questions: 2,
      byReason: { exact: 1, 'near-duplicate': 1, sentence: 2 },
    });
  });

  it('counts words in order (longest common subsequence)', () => {
    expect(inOrder(['a', 'b', 'c', 'd'], ['x', 'a', 'c', 'y', 'd', 'b'])).toBe(3);
    expect(inOrder(['a', 'b'], ['b', 'a'])).toBe(1);
  });

  it('refuses with one error naming the file, lines and questions', () => {
    const pairs = [{ line: 7, prompt: 'Who founded the city of Quellton?', completion: 'Mira Vass' }];
    expect(() => assertNoLeakage('train.jsonl', pairs, questions, 'held-out.jsonl')).toThrow(LeakageError);
    expect(() => assertNoLeakage('train.jsonl', pairs, questions, 'held-out.jsonl')).toThrow(
      /leaks 1 held-out question\(s\) of held-out.jsonl in 1 line\(s\): train.jsonl:7 is the held-out question q2/,
    );
    expect(() =>
      assertNoLeakage(
        'train.jsonl',
        [{ line: 1, prompt: 'Where is Quellton?', completion: 'coast' }],
        questions,
        'h.jsonl',
      ),
    ).not.toThrow();
  });
});
