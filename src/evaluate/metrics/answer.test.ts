import { describe, expect, it } from 'vitest';
import { containment, exactMatch, normalizeAnswer, tokenF1 } from './answer.ts';

describe('answer metrics', () => {
  it('normalises case, punctuation, articles and citation markers', () => {
    expect(normalizeAnswer('The  Eiffel Tower! [1]')).toBe('eiffel tower');
    expect(normalizeAnswer('[1, 2] An apple.')).toBe('apple');
  });

  it('exact match takes the best reference', () => {
    expect(exactMatch('Paris.', ['London', 'paris'])).toBe(1);
    expect(exactMatch('Paris, France', ['Paris'])).toBe(0);
  });

  it('token F1 on a hand-computed case', () => {
    // prediction tokens: [cat, sat, on, mat] (the dropped); reference: [cat, sat] → P = 2/4, R = 2/2, F1 = 2·0.5·1/1.5
    expect(tokenF1('the cat sat on the mat', ['a cat sat'])).toBeCloseTo(2 / 3, 10);
    // counts multiplicity: prediction [a? no] "dog dog" vs "dog" → common 1, P = 1/2, R = 1 → 2/3
    expect(tokenF1('dog dog', ['dog'])).toBeCloseTo(2 / 3, 10);
  });

  it('takes the maximum over multiple references', () => {
    expect(tokenF1('blue whale', ['whale shark', 'blue whale'])).toBe(1);
    expect(tokenF1('blue whale', ['whale shark', 'red fox'])).toBeCloseTo(0.5, 10);
  });

  it('an empty answer scores 0 against a reference', () => {
    expect(exactMatch('', ['Paris'])).toBe(0);
    expect(tokenF1('', ['Paris'])).toBe(0);
    expect(containment('', ['Paris'])).toBe(0);
  });

  it('no usable reference → null (does not apply)', () => {
    expect(exactMatch('anything', [])).toBeNull();
    expect(tokenF1('anything', ['', '  '])).toBeNull();
    expect(containment('anything', [])).toBeNull();
  });

  it('containment matches whole words only', () => {
    expect(containment('It was built in 1889 [1].', ['1889'])).toBe(1);
    expect(containment('Built in Parisian style', ['Paris'])).toBe(0);
    expect(containment('He met the Queen of England', ['queen of england', 'king'])).toBe(1);
  });
});
