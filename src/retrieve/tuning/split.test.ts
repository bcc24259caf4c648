import { describe, expect, it } from 'vitest';
import { assertDisjoint, splitQuestions } from './split.ts';

const questions = Array.from({ length: 40 }, (_, i) => ({ id: `q${i}`, question: `question number ${i}` }));

describe('splitQuestions', () => {
  it('splits into disjoint development and held-out sets that cover every question', () => {
    const { dev, heldOut } = splitQuestions(questions, 0.5);
    expect(dev).toHaveLength(20);
    expect(heldOut).toHaveLength(20);
    const devIds = new Set(dev.map((q) => q.id));
    expect(heldOut.filter((q) => devIds.has(q.id))).toEqual([]);
    expect(new Set([...dev, ...heldOut].map((q) => q.id)).size).toBe(40);
    expect(() => assertDisjoint(dev, heldOut)).not.toThrow();
  });
  it('is deterministic and independent of file order, and keeps file order within each side', () => {
    const once = splitQuestions(questions, 0.3);
    const reversed = splitQuestions([...questions].reverse(), 0.3);
    expect(reversed.dev.map((q) => q.id).sort()).toEqual(once.dev.map((q) => q.id).sort());
    const indices = once.dev.map((q) => Number(q.id.slice(1)));
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    // not simply the first 30%: the hash decides
    expect(once.dev.map((q) => q.id)).not.toEqual(questions.slice(0, once.dev.length).map((q) => q.id));
  });
  it('refuses a fraction outside (0, 1] and keeps at least one development question', () => {
    expect(() => splitQuestions(questions, 0)).toThrow(/development fraction/);
    expect(() => splitQuestions(questions, 1.5)).toThrow(/development fraction/);
    expect(splitQuestions(questions.slice(0, 3), 0.01).dev).toHaveLength(1);
  });
});

describe('assertDisjoint', () => {
  it('throws when a held-out question is among the development ones, by id or by text', () => {
    expect(() => assertDisjoint([{ id: 'a', question: 'x' }], [{ id: 'a', question: 'y' }])).toThrow(
      /"a" is also held out/,
    );
    expect(() => assertDisjoint([{ id: 'a', question: 'Same?' }], [{ id: 'b', question: ' same? ' }])).toThrow(
      /also held out/,
    );
  });
});
