import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_SYSTEM_PROMPT } from '../answer/prompt.ts';
import { openStore } from '../store/open.ts';
import type { ChunkRecord } from '../types.ts';
import { buildTrainingData, collectionChunks, writeTrainingData } from './build-data.ts';
import { readTrainingData } from './data.ts';
import { isGrounded, keepsFacts, keyTokens, parseQaPairs } from './llm-questions.ts';

const TEXT =
  'The fortieth government of Mars was constituted on 5 Outcrop 6678 after the elections. Zorgon, a renowned Martian statesman, took office as Prime Minister of the new government.';

describe('parseQaPairs', () => {
  it('reads the JSON format and drops empty or degenerate pairs', () => {
    expect(
      parseQaPairs(
        '{"pairs": [{"question": "Who took office?", "answer": "Zorgon"}, {"question": "", "answer": "x"}, {"question": "Same?", "answer": "Same?"}, {"question": "The government", "answer": "Mars"}]}',
      ),
    ).toEqual([{ question: 'Who took office?', answer: 'Zorgon' }]);
  });
  it('falls back to Q:/A: lines when the model ignores the format', () => {
    expect(
      parseQaPairs('Here you go.\nQ1: Who took office?\nA1: Zorgon\nQuestion: When?\nAnswer: 5 Outcrop 6678'),
    ).toEqual([
      { question: 'Who took office?', answer: 'Zorgon' },
      { question: 'When?', answer: '5 Outcrop 6678' },
    ]);
  });
});

describe('paraphrase and answer filters', () => {
  it('takes names and numbers as key facts, not sentence-initial words', () => {
    expect([...keyTokens(TEXT)].sort()).toEqual(['5', '6678', 'mars', 'martian', 'minister', 'outcrop', 'prime']);
  });
  it('keeps a rewrite that keeps the facts and drops one that loses or invents them', () => {
    expect(
      keepsFacts(
        TEXT,
        'After the elections, the fortieth Mars government was formed on 5 Outcrop 6678; Prime Minister was Zorgon, a famous Martian politician.',
      ),
    ).toBe(true);
    expect(keepsFacts(TEXT, 'A government was formed after some elections and a politician led it.')).toBe(false);
    expect(keepsFacts(TEXT, 'Venus and Jupiter in 1999 with Napoleon, Caesar, Lincoln and Gandhi formed Mars.')).toBe(
      false,
    );
  });
  it('calls an answer grounded when its words are in the text', () => {
    expect(isGrounded('Zorgon, the Prime Minister', TEXT)).toBe(true);
    expect(isGrounded('Calidus the astronomer', TEXT)).toBe(false);
  });
});

describe('dataset build from a real store (cloze, no models)', () => {
  it('reads every chunk of every document and writes base-prompt cloze chats that `tune` accepts', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-build-'));
    const store = await openStore({ home, collection: 'mars', embedderId: 'test', dimension: 4, create: true });
    const sentences = TEXT.split('. ');
    const chunks: ChunkRecord[] = [0, 1, 2].map((i) => ({
      chunkId: `c${i}`,
      docId: i < 2 ? 'mars.md' : 'other.md',
      source: 'x',
      title: 'Mars',
      headingPath: [],
      page: null,
      position: i,
      text: i < 2 ? sentences[i]! : 'Short one.',
      docHash: 'h',
      labels: [],
      tags: [],
      vector: new Float32Array([i, 1, 0, 1]),
    }));
    await store.write({ upsert: chunks, removeDocIds: [] });
    try {
      const all = await collectionChunks(store, 4);
      expect(all.map((c) => c.chunkId)).toEqual(['c0', 'c1', 'c2']);
      const result = await buildTrainingData(store, all, { mode: 'cloze' });
      expect(result.chunksWithoutQuestions).toBe(1); // "Short one." has no sentence of 8+ words
      expect(result.lines.length).toBeGreaterThanOrEqual(4);
      const first = result.lines[0]!;
      expect(first.messages[0]).toEqual({ role: 'system', content: BASE_SYSTEM_PROMPT });
      expect(first.messages[1]!.content).toMatch(/^Complete: The fortieth government/);
      expect(TEXT).toContain(first.messages[2]!.content.replace(/\.$/, ''));
      const sampled = await buildTrainingData(store, all, { mode: 'cloze', maxExamples: 2 });
      expect(sampled.lines).toHaveLength(2);
      await expect(buildTrainingData(store, all, { mode: 'qa-llm' })).rejects.toThrow(/need a generator/);
      await expect(buildTrainingData(store, all, { mode: 'raft' })).rejects.toThrow(/embedder/);
      const out = join(home, 'train.jsonl');
      await writeTrainingData(out, result.lines);
      const read = await readTrainingData(out);
      expect(read.errors).toEqual([]);
      expect(read.examples).toHaveLength(result.lines.length);
      expect((await readFile(out, 'utf8')).split('\n')[0]).toContain('"chunkId":"c0"');
    } finally {
      await store.dispose();
    }
  });
});
