import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { adheres, readFormatSpec } from './format-spec.ts';
import { breakEvenQueries, machineCost } from './economics.ts';

describe('format adherence', () => {
  it('checks a JSON schema, a regex and example answers', () => {
    const schema = {
      kind: 'json-schema' as const,
      schema: {
        type: 'object' as const,
        required: ['answer'],
        properties: { answer: { type: 'string' as const }, confidence: { type: 'number' as const } },
      },
    };
    expect(adheres('{"answer": "Oren Dal", "confidence": 0.9}', schema)).toBe(1);
    expect(adheres('{"answer": 3}', schema)).toBe(0);
    expect(adheres('Oren Dal', schema)).toBe(0);
    expect(adheres('Answer: 42', { kind: 'regex', pattern: '^Answer: \\d+$' })).toBe(1);
    expect(adheres('It is 42.', { kind: 'regex', pattern: '^Answer: \\d+$' })).toBe(0);
    const examples = { kind: 'examples' as const, answers: ['Oren Dal.', 'In 1820, by the river.'] };
    expect(adheres('Mira Vass founded it.', examples)).toBe(1);
    expect(
      adheres(
        'Well, according to the documents I was given, the city was founded by Mira Vass. She was a sailor.',
        examples,
      ),
    ).toBe(0);
  });

  it('refuses a bad spec file with the field and the expected shapes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-format-'));
    await writeFile(join(dir, 'bad.json'), '{"kind": "regex", "pattern": "("}');
    await expect(readFormatSpec(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json field "pattern"/);
    await writeFile(join(dir, 'kind.json'), '{"kind": "tone"}');
    await expect(readFormatSpec(join(dir, 'kind.json'))).rejects.toThrow(UsageError);
  });
});

describe('economics', () => {
  it('prices machine time and finds the break-even volume only when the tuned strategy is cheaper per query', () => {
    expect(machineCost(1800, 0.1)).toBeCloseTo(0.05);
    expect(breakEvenQueries(0.05, 0.0002, 0.00005)).toBe(334);
    expect(breakEvenQueries(0.05, 0.0001, 0.0002)).toBeNull();
    expect(breakEvenQueries(0.05, null, 0.0002)).toBeNull();
  });
});
