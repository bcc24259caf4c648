import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBaseMessages } from '../answer/prompt.ts';
import { modelsDir } from '../config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../models/catalog.ts';
import { ensurePythonEnv } from '../models/python-env.ts';
import type { ChatMessage } from '../types.ts';
import { loadChatTokenizer, type ChatTokenizer } from './chat-tokens.ts';
import { emptyFitReport, fitChat, fitRaft, raftMessages, type RaftParts } from './fit.ts';
import { PythonTrainer } from './python-trainer.ts';

// The base model's real tokenizer (GGUF vocabulary + its chat template) against the trainer's own counts.
const BASE = join(modelsDir(), DEFAULT_GENERATOR_FILE);
let tokenizer: ChatTokenizer;
let dir: string;
const paragraph = (seed: string, words: number) =>
  Array.from({ length: words }, (_, i) => `${seed}${i % 7 === 0 ? ' Zürich–Ōsaka «été»' : ''} word${i}`).join(' ');
const chunk = (title: string, words: number) => ({ title, text: paragraph(title, words), headingPath: [] });

beforeAll(async () => {
  tokenizer = await loadChatTokenizer(BASE);
  dir = await mkdtemp(join(tmpdir(), 'attune-fit-'));
});
afterAll(async () => {
  await tokenizer?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chat tokens of the base model', () => {
  it('counts every chat exactly as the trainer does (template, unicode, long documents)', async () => {
    const parts: RaftParts = {
      question: 'Complete: Zorgon took office as …',
      answer: 'Prime Minister.',
      distractors: [chunk('Mars', 120), chunk('Deimos', 60)],
      oracle: chunk('Zorgon', 80),
      oracleAt: 1,
    };
    const chats: ChatMessage[][] = [
      [...buildBaseMessages('Complete: Hello wörld — ünïcode 日本語 …'), { role: 'assistant', content: 'the rest.' }],
      [
        { role: 'user', content: 'Q?' },
        { role: 'assistant', content: 'A' },
      ],
      raftMessages(parts),
      raftMessages({ ...parts, oracle: null }),
    ];
    const file = join(dir, 'chats.jsonl');
    await writeFile(file, `${chats.map((messages) => JSON.stringify({ messages })).join('\n')}\n`);
    const trainer = new PythonTrainer({ python: await ensurePythonEnv() });
    const expected = await trainer.tokenLengths({
      baseDir: modelsDir(),
      ggufFile: DEFAULT_GENERATOR_FILE,
      trainFile: file,
      runDir: join(dir, 'run'),
    });
    expect(chats.map((messages) => tokenizer.countChat(messages))).toEqual(expected);
    expect(expected[2]!).toBeGreaterThan(500);
  }, 120_000);
});

describe('fitting generated examples to --max-seq-len', () => {
  const parts: RaftParts = {
    question: 'Complete: The fortieth government of Mars was constituted on …',
    answer: '5 Outcrop 6678.',
    distractors: [chunk('One', 150), chunk('Two', 150), chunk('Three', 150)],
    oracle: chunk('Oracle', 100),
    oracleAt: 2,
  };

  it('keeps a RAFT example that fits as it is', () => {
    const report = emptyFitReport(4096);
    const fitted = fitRaft(parts, { tokenizer, maxSeqLen: 4096 }, report);
    expect(fitted!.messages).toEqual(raftMessages(parts));
    expect(report).toMatchObject({ examples: 1, unchanged: 1, fitted: 0, dropped: 0 });
  });

  it('drops distractors first, then trims the last one, never the oracle or the answer', () => {
    const full = tokenizer.countChat(raftMessages(parts));
    const oneDistractor = tokenizer.countChat(raftMessages({ ...parts, distractors: parts.distractors.slice(0, 1) }));
    const maxSeqLen = oneDistractor - 40; // needs two dropped and the third trimmed
    expect(full).toBeGreaterThan(maxSeqLen);
    const report = emptyFitReport(maxSeqLen);
    const fitted = fitRaft(parts, { tokenizer, maxSeqLen }, report)!;
    expect(tokenizer.countChat(fitted.messages)).toBeLessThanOrEqual(maxSeqLen);
    expect(tokenizer.countChat(fitted.messages)).toBeGreaterThan(maxSeqLen - 10);
    expect(fitted.parts.distractors).toHaveLength(1);
    expect(fitted.parts.distractors[0]!.text.length).toBeLessThan(parts.distractors[0]!.text.length);
    expect(parts.distractors[0]!.text.startsWith(fitted.parts.distractors[0]!.text)).toBe(true);
    const user = fitted.messages[1]!.content;
    expect(user).toContain(parts.oracle!.text);
    expect(user).toContain(parts.question);
    // the oracle moved from [3] to [2]: the citation follows it
    expect(fitted.messages.at(-1)!.content).toBe('5 Outcrop 6678 [2].');
    expect(report).toMatchObject({
      examples: 1,
      unchanged: 0,
      fitted: 1,
      dropped: 0,
      distractorsDropped: 2,
      distractorsTrimmed: 1,
    });
  });

  it('drops an example whose oracle, question and answer alone exceed the limit, and an over-long cloze pair', () => {
    const alone = tokenizer.countChat(raftMessages({ ...parts, distractors: [] }));
    const report = emptyFitReport(alone - 1);
    expect(fitRaft(parts, { tokenizer, maxSeqLen: alone - 1 }, report)).toBeNull();
    const cloze = [
      ...buildBaseMessages('Complete: a sentence that goes on …'),
      { role: 'assistant' as const, content: paragraph('long', 400) },
    ];
    expect(fitChat(cloze, { tokenizer, maxSeqLen: 256 }, report)).toBeNull();
    expect(report).toMatchObject({ examples: 2, dropped: 2, fitted: 0 });
  });
});
