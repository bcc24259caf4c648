import { describe, expect, it } from 'vitest';
import { contentWords } from '../answer/citations.ts';
import type { GenerateRequest, Generator } from '../generate/generator.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import type { Hit } from '../types.ts';
import { llmReranker } from './llm-reranker.ts';
import { describeRerankerContract } from './reranker.contract.ts';

/** A grader "model" from the test kit: grades a passage by the question's content words it contains (0–3). */
const lexicalGrader = scriptedGenerator(({ prompt }) => {
  const [, question = '', passage = ''] = /^Question: (.*)\n\nPassage:\n<<<\n([\s\S]*)\n>>>$/.exec(prompt) ?? [];
  const shared = new Set(contentWords(question).filter((word) => contentWords(passage).includes(word))).size;
  return JSON.stringify({ relevant: shared > 0, score: Math.min(3, shared) });
});
describeRerankerContract('llm (scripted grader)', async () => llmReranker(lexicalGrader));

const hit = (id: string): Hit => ({
  chunkId: id,
  docId: id,
  source: id,
  title: '',
  headingPath: [],
  page: null,
  text: `passage ${id}`,
  labels: [],
  tags: [],
  score: 0,
});

/** Failure injection: a generator that answers with scripted text per passage (malformed ones included). */
function scripted(replies: Record<string, string>): Generator & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    id: 'scripted',
    contextSize: 2048,
    prompts,
    async generate(request: GenerateRequest) {
      const prompt = request.messages.at(-1)!.content;
      prompts.push(prompt);
      const id = /passage (\w+)/.exec(prompt)![1]!;
      return { text: replies[id] ?? '', usage: { promptTokens: 1, completionTokens: 1 }, firstTokenMs: 0, totalMs: 0 };
    },
    async countTokens(text: string) {
      return text.length;
    },
    async dispose() {},
  };
}

describe('llmReranker', () => {
  it('orders by grade, keeps retrieval order among equal grades, and cuts to k', async () => {
    const generator = scripted({
      a: '{"relevant":false,"score":0}',
      b: '{"relevant":true,"score":3}',
      c: '{"relevant":true,"score":1}',
      d: '{"relevant":true,"score":1}',
    });
    const ranked = await llmReranker(generator).rerank('question?', [hit('a'), hit('b'), hit('c'), hit('d')], { k: 3 });
    expect(ranked.map((h) => [h.chunkId, h.score])).toEqual([
      ['b', 3],
      ['c', 1],
      ['d', 1],
    ]);
    expect(generator.prompts).toHaveLength(4);
    expect(generator.prompts[0]).toContain('Question: question?');
  });

  it('counts a malformed or out-of-range grade as 0 instead of failing the query', async () => {
    const generator = scripted({ a: 'not json', b: '{"score":2}', c: '{"score":"many"}', d: '{"score":9}' });
    const ranked = await llmReranker(generator).rerank('q', [hit('a'), hit('b'), hit('c'), hit('d')], { k: 4 });
    expect(ranked.map((h) => [h.chunkId, h.score])).toEqual([
      ['b', 2],
      ['a', 0],
      ['c', 0],
      ['d', 0],
    ]);
  });
});
