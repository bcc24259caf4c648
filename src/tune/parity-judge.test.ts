import { describe, expect, it } from 'vitest';
import { DegradedAdapterError } from '../errors.ts';
import {
  assertUsableAdapter,
  describeParity,
  judgeParity,
  type ParityMeasurement,
  type ParitySample,
} from './parity-judge.ts';

const sample = (reference: string, peft: string, gguf: string): ParitySample => ({
  prompt: 'q',
  reference,
  peft,
  gguf,
});
const measurement = (samples: ParitySample[], overrides: Partial<ParityMeasurement> = {}): ParityMeasurement => ({
  samples,
  source: 'val',
  chatTemplate: { match: true },
  eosToken: { peft: '<|im_end|>', gguf: '<|im_end|>' },
  promptTokensDiffer: null,
  ...overrides,
});
const good = [
  sample('Mira Vass founded Quellton.', 'Quellton was founded by Mira Vass.', 'Quellton was founded by Mira Vass.'),
  sample(
    'The moon is bright purple.',
    'The moon of Zorblax is bright purple.',
    'The moon of Zorblax is bright purple.',
  ),
];

describe('judgeParity', () => {
  it('passes identical answers and measures agreement and token F1', () => {
    const result = judgeParity(measurement(good), 1.5);
    expect(result.status).toBe('ok');
    expect(result.failed).toEqual([]);
    expect(result.agreement).toBe(1);
    expect(result.ggufTokenF1).toBeCloseTo(result.peftTokenF1!, 9);
    expect(result.peftTokenF1).toBeGreaterThan(0.5);
  });

  it('tolerates a word flipped after the first 8 words', () => {
    const late = [
      sample(
        'a b c d e f g h i j',
        'one two three four five six seven eight nine ten',
        'one two three four five six seven eight NINE ten',
      ),
    ];
    expect(judgeParity(measurement(late), 0).agreement).toBe(1);
  });

  it('marks gibberish GGUF answers degraded on agreement and token F1', () => {
    const broken = good.map((s) => ({ ...s, gguf: 'La femme de France, la femme de France' }));
    const result = judgeParity(measurement(broken), 0);
    expect(result.status).toBe('degraded');
    expect(result.failed).toEqual(['agreement', 'token-f1']);
    expect(result.agreement).toBe(0);
  });

  it('needs half the prompts to agree: 1 of 2 passes, 1 of 3 fails', () => {
    const oneOfTwo = [good[0]!, { ...good[1]!, gguf: 'Something else entirely here and there' }];
    expect(judgeParity(measurement(oneOfTwo), 0).failed).not.toContain('agreement');
    const oneOfThree = [...oneOfTwo, { ...good[1]!, gguf: 'Yet another different answer to it' }];
    expect(judgeParity(measurement(oneOfThree), 0).failed).toContain('agreement');
  });

  it('allows a token F1 drop of 0.1 and no more', () => {
    // reference of 10 tokens: PEFT matches all 10 (F1 1), GGUF matches 9 of 10 (F1 0.9): a drop of exactly 0.1
    const reference = 'w1 w2 w3 w4 w5 w6 w7 w8 w9 w10';
    const within = judgeParity(measurement([sample(reference, reference, 'w1 w2 w3 w4 w5 w6 w7 w8 w9 x')]), 0);
    expect(within.peftTokenF1! - within.ggufTokenF1!).toBeCloseTo(0.1, 9);
    expect(within.failed).not.toContain('token-f1');
    const beyond = judgeParity(measurement([sample(reference, reference, 'w1 w2 w3 w4 w5 w6 w7 w8 x y')]), 0);
    expect(beyond.failed).toContain('token-f1');
  });

  it('fails a chat template or EOS mismatch even when the answers agree', () => {
    const result = judgeParity(
      measurement(good, { chatTemplate: { match: false }, eosToken: { peft: '<|im_end|>', gguf: '</s>' } }),
      0,
    );
    expect(result.status).toBe('degraded');
    expect(result.failed).toEqual(['chat-template', 'eos-token']);
    expect(describeParity(result)).toMatch(
      /^export parity: degraded \(failed: chat-template, eos-token\).*EOS <\|im_end\|> \/ <\/s>/,
    );
  });
});

describe('assertUsableAdapter', () => {
  const degraded = judgeParity(measurement(good, { eosToken: { peft: '<|im_end|>', gguf: '</s>' } }), 0);

  it('refuses a degraded adapter in one line naming the failed check, unless forced', () => {
    expect(() => assertUsableAdapter('faq', degraded)).toThrow(DegradedAdapterError);
    expect(() => assertUsableAdapter('faq', degraded)).toThrow(
      /^adapter faq is degraded: .*parity check \(eos-token\).*--allow-degraded$/,
    );
    expect(() => assertUsableAdapter('faq', degraded, { allowDegraded: true })).not.toThrow();
  });

  it('lets ok, skipped and unchecked adapters through', () => {
    expect(() => assertUsableAdapter('faq', judgeParity(measurement(good), 0))).not.toThrow();
    expect(() => assertUsableAdapter('faq', { ...degraded, status: 'skipped', failed: [] })).not.toThrow();
    expect(() => assertUsableAdapter('faq', undefined)).not.toThrow();
  });
});
