import { describe, expect, it } from 'vitest';
import { CompareSettingsSchema } from '../compare/settings-schema.ts';
import { UsageError } from '../errors.ts';
import { EvalSettingsSchema } from '../evaluate/settings-schema.ts';
import { CompareStartRequest, EvalStartRequest } from '../server/schemas.ts';
import { TuneSettingsSchema } from '../tune/settings-schema.ts';
import { parseSettingsFlags } from './flags.ts';

const evalFlags = (values: Partial<Record<'seed' | 'temperature' | 'repeats' | 'priceIn', string>>) =>
  parseSettingsFlags(EvalSettingsSchema, {
    seed: { flag: '--seed', value: values.seed },
    temperature: { flag: '--temperature', value: values.temperature },
    repeats: { flag: '--repeats', value: values.repeats },
    'prices.inputPerMillion': { flag: '--price-in', value: values.priceIn },
  });

describe('CLI flags through the server schemas', () => {
  it('reads numbers, nested fields included, and leaves absent flags out', () => {
    expect(evalFlags({ seed: '7', temperature: '0.5', priceIn: '2.5' })).toEqual({
      seed: 7,
      temperature: 0.5,
      prices: { inputPerMillion: 2.5 },
    });
    expect(evalFlags({})).toEqual({});
  });

  it('refuses what is not a number instead of reading a default (--seed abc used to become 1)', () => {
    expect(() => evalFlags({ seed: 'abc' })).toThrow(new UsageError('--seed must be a number, got "abc"'));
    expect(() => evalFlags({ seed: '1.5' })).toThrow(/^--seed: .*int.*, got "1.5"$/);
  });

  it('applies the limits the server applies, naming the flag', () => {
    expect(() => evalFlags({ temperature: '-0.1' })).toThrow(/^--temperature: .*, got "-0.1"$/);
    expect(() => evalFlags({ priceIn: '-2' })).toThrow(/^--price-in: .*, got "-2"$/);
    expect(() => evalFlags({ repeats: '11' })).toThrow(/^--repeats: /);
    // the same values sent to the server are refused too
    const question = { id: 'q1', question: 'Why?', answers: ['because'] };
    expect(EvalStartRequest.safeParse({ strategies: ['base'], questions: [question], temperature: -0.1 }).success).toBe(
      false,
    );
    expect(
      EvalStartRequest.safeParse({ strategies: ['base'], questions: [question], prices: { inputPerMillion: -2 } })
        .success,
    ).toBe(false);
    expect(EvalStartRequest.safeParse({ strategies: ['base'], questions: [question], temperature: 0.5 }).success).toBe(
      true,
    );
  });

  it('compare: a negative learning rate or an unknown metric is refused on the CLI and by the server', () => {
    const compare = (lr: string, metric = 'f1') =>
      parseSettingsFlags(CompareSettingsSchema, {
        lr: { flag: '--lr', value: lr },
        metric: { flag: '--metric', value: metric, kind: 'string' },
      });
    expect(compare('0.001')).toEqual({ lr: 0.001, metric: 'f1' });
    expect(() => compare('-0.001')).toThrow(/^--lr: /);
    expect(() => compare('0.001', 'bleu')).toThrow(/^--metric: .*, got "bleu"$/);
    expect(CompareStartRequest.safeParse({ corpus: 'c', questions: 'q', lr: -0.001 }).success).toBe(false);
  });

  it('tune: --checkpoint-every takes a whole number of steps of at least 1', () => {
    const tune = (value: string) =>
      parseSettingsFlags(TuneSettingsSchema, { checkpointEvery: { flag: '--checkpoint-every', value } });
    expect(tune('2')).toEqual({ checkpointEvery: 2 });
    expect(() => tune('0')).toThrow(/^--checkpoint-every: .*, got "0"$/);
    expect(() => tune('1.5')).toThrow(/^--checkpoint-every: /);
  });

  it('tune: --quantize takes nf4 and names the flag for anything else', () => {
    const tune = (value: string) =>
      parseSettingsFlags(TuneSettingsSchema, { quantize: { flag: '--quantize', value, kind: 'string' } });
    expect(tune('nf4')).toEqual({ quantize: 'nf4' });
    expect(() => tune('int8')).toThrow(/^--quantize: .*"nf4".*got "int8"$/);
  });
});
