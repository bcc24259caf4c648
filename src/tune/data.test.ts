import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { readTrainingData, splitExamples, tokenStats } from './data.ts';

async function file(lines: string[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'attune-tune-')), 'data.jsonl');
  await writeFile(path, lines.join('\n'));
  return path;
}

describe('readTrainingData', () => {
  it('reads chat, instruction and question/answer lines into chats', async () => {
    const path = await file([
      JSON.stringify({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
        ],
      }),
      JSON.stringify({ instruction: 'Translate', input: 'chat', output: 'cat' }),
      JSON.stringify({ question: 'Capital of France?', answer: 'Paris' }),
    ]);
    const data = await readTrainingData(path);
    expect(data.errors).toEqual([]);
    expect(data.examples.map((e) => e.messages.at(-1)?.content)).toEqual(['hello', 'cat', 'Paris']);
    expect(data.examples[1]!.messages[0]!.content).toBe('Translate\n\nchat');
    expect(data.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names file, line, field and reason for bad lines and keeps the good ones', async () => {
    const path = await file([
      '{"question": "q1", "answer": "a1"}',
      '{not json',
      '{"question": "q2"}',
      '{"messages": [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]}',
      '',
      '{"foo": 1}',
      '{"question": "q3", "answer": "a3"}',
    ]);
    const data = await readTrainingData(path);
    expect(data.examples.map((e) => e.line)).toEqual([1, 7]);
    const messages = data.errors.map((e) => e.message);
    expect(messages[0]).toMatch(new RegExp(`${path}:2: not valid JSON`));
    expect(messages[1]).toBe(`${path}:3: field answer: Invalid input: expected string, received undefined`);
    expect(messages[2]).toMatch(/:4: field messages: the last message must be the assistant answer/);
    expect(messages[3]).toMatch(/:6: unknown format/);
    expect(data.errors.every((e) => e instanceof DatasetError)).toBe(true);
  });
});

describe('splitExamples', () => {
  const examples = Array.from({ length: 20 }, (_, i) => ({ messages: [], line: i + 1 }));
  it('is deterministic for a seed and keeps every example once', () => {
    const a = splitExamples(examples, 0.1, 7);
    expect(splitExamples(examples, 0.1, 7)).toEqual(a);
    expect(a.val).toHaveLength(2);
    expect([...a.train, ...a.val].map((e) => e.line).sort((x, y) => x - y)).toEqual(examples.map((e) => e.line));
    expect(splitExamples(examples, 0.1, 8).val).not.toEqual(a.val);
  });
  it('keeps everything for training when there are fewer than 5 examples', () => {
    expect(splitExamples(examples.slice(0, 4)).val).toEqual([]);
  });
});

describe('tokenStats', () => {
  const examples = [1, 2, 3].map((line) => ({ messages: [], line }));
  it('summarises lengths and estimates time', () => {
    expect(tokenStats('f', examples, [10, 20, 30], { maxSeqLen: 64, epochs: 2, tokensPerSecond: 10 })).toEqual({
      examples: 3,
      tokens: 60,
      min: 10,
      mean: 20,
      max: 30,
      maxSeqLen: 64,
      estimatedSeconds: 12,
    });
  });
  it('refuses examples longer than the limit, naming their lines', () => {
    expect(() =>
      tokenStats('f.jsonl', examples, [10, 99, 30], { maxSeqLen: 64, epochs: 1, tokensPerSecond: 10 }),
    ).toThrow('f.jsonl: 1 example(s) longer than --max-seq-len 64: line 2 (99 tokens)');
  });
});
