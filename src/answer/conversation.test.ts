import { describe, expect, it } from 'vitest';
import type { Generator } from '../generate/generator.ts';
import { finishReason } from './base-strategy.ts';
import { acceptRewrite, buildRewriteMessages, fallbackQuery, rewriteQuery, type History } from './conversation.ts';

const HISTORY: History = [
  { role: 'user', content: 'What is the usual dose of ibuprofen for adults?' },
  { role: 'assistant', content: 'Adults usually take 200 to 400 mg every 4 to 6 hours.' },
];
const FOLLOW_UP = 'and what about in children?';

// a generator that answers with a fixed text: only to inject what a model might say
const saying = (text: string): Generator & { calls: number } => ({
  id: 'scripted',
  contextSize: 2048,
  calls: 0,
  async generate() {
    this.calls++;
    return { text, usage: { promptTokens: 50, completionTokens: 9 }, firstTokenMs: 1, totalMs: 2 };
  },
  async countTokens(text: string) {
    return text.length;
  },
  async dispose() {},
});

describe('follow-up questions', () => {
  it('puts the conversation and the follow-up in the rewrite prompt', () => {
    const [system, user] = buildRewriteMessages([...HISTORY, { role: 'system', content: 'ignored' }], FOLLOW_UP);
    expect(system!.content).toMatch(/standalone question/);
    expect(user!.content).toContain('User: What is the usual dose of ibuprofen for adults?');
    expect(user!.content).toContain('Assistant: Adults usually take');
    expect(user!.content).toContain(`Last question: ${FOLLOW_UP}`);
    expect(user!.content).not.toContain('ignored');
  });

  it('accepts a rewrite that carries the topic and refuses one that only echoes the follow-up', () => {
    expect(acceptRewrite(HISTORY, FOLLOW_UP, '"What is the usual dose of ibuprofen for children?"\nextra')).toBe(
      'What is the usual dose of ibuprofen for children?',
    );
    expect(acceptRewrite(HISTORY, FOLLOW_UP, 'And what about in children?')).toBeUndefined();
    // a small model that repeats the earlier question drops what the follow-up asks
    expect(acceptRewrite(HISTORY, FOLLOW_UP, 'What is the usual dose of ibuprofen for adults?')).toBeUndefined();
    expect(acceptRewrite(HISTORY, FOLLOW_UP, '')).toBeUndefined();
    expect(acceptRewrite(HISTORY, FOLLOW_UP, `ibuprofen ${'x'.repeat(400)}`)).toBeUndefined();
    expect(fallbackQuery(HISTORY, FOLLOW_UP)).toBe(`What is the usual dose of ibuprofen for adults? ${FOLLOW_UP}`);
  });

  it('rewrites with the generator, falls back to the previous question, and leaves a first question alone', async () => {
    const good = await rewriteQuery(saying('What is the dose of ibuprofen for children?'), HISTORY, FOLLOW_UP);
    expect(good).toMatchObject({
      query: 'What is the dose of ibuprofen for children?',
      source: 'model',
      usage: { completionTokens: 9 },
    });
    const echo = await rewriteQuery(saying('What about in children?'), HISTORY, FOLLOW_UP);
    expect(echo).toMatchObject({ query: fallbackQuery(HISTORY, FOLLOW_UP), source: 'fallback' });
    const unused = saying('never');
    expect(await rewriteQuery(unused, [], 'What is ibuprofen?')).toMatchObject({
      query: 'What is ibuprofen?',
      source: 'none',
    });
    expect(unused.calls).toBe(0);
  });

  it('reports an answer that used its whole token budget as cut off', () => {
    expect(finishReason(16, 16)).toBe('length');
    expect(finishReason(7, 16)).toBe('stop');
  });
});
