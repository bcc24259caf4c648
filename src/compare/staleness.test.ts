import { describe, expect, it } from 'vitest';
import { deriveChangedFacts, replacedSpan, scoreFreshness } from './staleness.ts';

const OLD = 'Quellton was founded by Mira Vass in 1820. Its harbour holds 40 ships.';
const NEW = 'Quellton was founded by Oren Dal in 1820. Its harbour holds 40 ships.';

describe('changed facts', () => {
  it('finds the new value between the same context words', () => {
    expect(replacedSpan(OLD, NEW, 'Mira Vass')).toBe('Oren Dal');
    expect(replacedSpan(OLD, OLD.replace('40 ships', '55 ships'), '40')).toBe('55');
    expect(replacedSpan(OLD, NEW, '1820')).toBeNull();
    // neighbouring facts edited too, and the answer repeated
    const before = 'Malm is one of the municipalities introduced in Sweden in 2030. Sweden is cold.';
    const after = 'Malm is one of the municipalities introduced in Quessa in 2037. Quessa is cold.';
    expect(replacedSpan(before, after, 'Sweden')).toBe('Quessa');
    expect(replacedSpan(before, after, '2030')).toBe('2037');
    expect(replacedSpan('held that Martian cycle. Then', 'held that Varnholt. Then', 'Martian cycle')).toBe('Varnholt');
  });

  it('keeps only questions about changed documents whose answer changed', () => {
    const questions = [
      { id: 'a', question: 'Complete: Quellton was founded by …', answers: ['Mira Vass'], goldDocIds: ['q.md'] },
      { id: 'b', question: 'Complete: Quellton was founded in …', answers: ['1820'], goldDocIds: ['q.md'] },
      { id: 'c', question: 'Complete: other …', answers: ['x'], goldDocIds: ['other.md'] },
    ];
    const { facts, unresolved } = deriveChangedFacts(
      questions,
      new Map([
        ['q.md', OLD],
        ['other.md', 'x'],
      ]),
      new Map([['q.md', NEW]]),
    );
    expect(facts).toEqual([
      {
        questionId: 'a',
        question: questions[0]!.question,
        docId: 'q.md',
        oldAnswers: ['Mira Vass'],
        newAnswers: ['Oren Dal'],
      },
    ]);
    expect(unresolved).toEqual([]);
  });
});

describe('scoreFreshness', () => {
  it('counts new-fact answers and stale (old-fact) answers, repeats averaged per question', () => {
    const facts = [
      { questionId: 'a', question: '', docId: 'd', oldAnswers: ['Mira Vass'], newAnswers: ['Oren Dal'] },
      { questionId: 'b', question: '', docId: 'd', oldAnswers: ['40'], newAnswers: ['55'] },
    ];
    const score = scoreFreshness(
      [
        { questionId: 'a', answer: 'It was Oren Dal [1].' },
        { questionId: 'a', answer: 'Mira Vass founded it.' },
        { questionId: 'b', answer: 'It holds 40 ships.' },
        { questionId: 'b', answer: 'I do not know.' },
        { questionId: 'zzz', answer: 'ignored' },
      ],
      facts,
    );
    expect(score.n).toBe(2);
    expect(score.accuracy).toBeCloseTo(0.25);
    expect(score.staleness).toBeCloseTo(0.5);
    expect(score.perQuestion.get('a')).toBe(0.5);
  });
});
