import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { modelsDir } from '../config/paths.ts';
import { DatasetError, UsageError } from '../errors.ts';
import { DEFAULT_GENERATOR_FILE } from '../models/catalog.ts';
import type { CompareOptions } from './compare.ts';
import { LeakageError } from './leakage.ts';
import { parsePriorities } from './recommend.ts';
import { validateInputs } from './validate.ts';

// Every input is checked before any work (real files, the base model's real tokenizer; no training, no ingest).
let dir: string;
let options: CompareOptions;
const line = (question: string, answer: string) => JSON.stringify({ question, answer });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attune-validate-'));
  await mkdir(join(dir, 'corpus'));
  await writeFile(
    join(dir, 'corpus', 'a.md'),
    'Quellton was founded by Mira Vass in 1820 on the northern coast of the Vell archipelago.\n',
  );
  await writeFile(
    join(dir, 'questions.jsonl'),
    `${JSON.stringify({ id: 'q1', question: 'Who founded the city of Quellton?', answers: ['Mira Vass'] })}\n`,
  );
  options = {
    corpus: join(dir, 'corpus'),
    questions: join(dir, 'questions.jsonl'),
    priorities: parsePriorities(''),
    strategies: ['base', 'ft'],
    repeats: 1,
    out: join(dir, 'out'),
    config: parseConfig({}),
    env: process.env,
    prices: { inputPerMillion: 0, outputPerMillion: 0, hardwarePerHour: 0.1 } as CompareOptions['prices'],
    maxTokens: 16,
    metric: 'f1',
    base: join(modelsDir(), DEFAULT_GENERATOR_FILE),
    training: { ft: { epochs: 1, maxSeqLen: 64 }, raft: { epochs: 1, maxSeqLen: 1024 } },
  };
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('compare validates every input before any work', () => {
  const fine = [
    line('Where is Quellton?', 'On the coast.'),
    line('When was Quellton founded?', 'In 1820.'),
    line('What is the Vell?', 'An archipelago.'),
  ];

  it("refuses a --train line over --max-seq-len, naming the line, in the base model's own tokens", async () => {
    const train = join(dir, 'long.jsonl');
    await writeFile(train, `${[...fine, line('Summarise the coast.', 'word '.repeat(80))].join('\n')}\n`);
    const warnings: string[] = [];
    const failure = await validateInputs({ ...options, train }, true, warnings).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatasetError);
    expect((failure as Error).message).toMatch(
      /long\.jsonl: 1 example\(s\) longer than --max-seq-len 64: line 4 \(\d+ tokens\)/,
    );
    expect(existsSync(options.out)).toBe(false);
  });

  it('refuses --train data that leaks a held-out question before counting examples', async () => {
    const train = join(dir, 'leaky.jsonl');
    await writeFile(train, `${line('Who founded the city of Quellton?', 'Mira Vass')}\n`);
    await expect(validateInputs({ ...options, train }, true, [])).rejects.toThrow(LeakageError);
    await expect(validateInputs({ ...options, train }, true, [])).rejects.toThrow(
      /leaky\.jsonl:1 is the held-out question q1/,
    );
  });

  it('refuses a missing update folder and a corpus with no supported document', async () => {
    await expect(validateInputs({ ...options, update: join(dir, 'nope') }, false, [])).rejects.toThrow(
      new UsageError(`--update ${join(dir, 'nope')}: no such file or directory`),
    );
    await mkdir(join(dir, 'binary'));
    await writeFile(join(dir, 'binary', 'x.bin'), 'x');
    await expect(validateInputs({ ...options, corpus: join(dir, 'binary') }, false, [])).rejects.toThrow(
      /--corpus .*binary: no supported documents/,
    );
  });

  it('accepts good input and returns the examples as the trainer will see them', async () => {
    const train = join(dir, 'good.jsonl');
    await writeFile(train, `${[...fine, line('How old is Quellton?', 'Two centuries.')].join('\n')}\n`);
    const inputs = await validateInputs({ ...options, train }, true, []);
    try {
      expect(inputs.train).toHaveLength(4);
      expect(inputs.questions.map((q) => q.id)).toEqual(['q1']);
    } finally {
      await inputs.tokenizer?.dispose();
    }
  });
});
