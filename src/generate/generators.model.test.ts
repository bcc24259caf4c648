import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createGenerator } from '../runtime/backends.ts';
import { startOpenAICompatibleServer } from '../testing/openai-compatible-server.ts';
import { describeGeneratorContract } from './generator.contract.ts';
import type { LlamaGenerator } from './llama-generator.ts';
import { OpenAIGenerator } from './openai-generator.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describeGeneratorContract('llama (SmolLM2-135M, node-llama-cpp)', () => createGenerator(parseConfig({})));

describeGeneratorContract('openai-compatible (HTTP in front of SmolLM2)', async () => {
  const local = await createGenerator(parseConfig({}));
  const server = await startOpenAICompatibleServer({ generator: local });
  closers.push(server.close, () => local.dispose());
  return new OpenAIGenerator({ model: 'smollm2', baseURL: server.url });
});

describe('llama chat prompt tokens (SmolLM2-135M)', () => {
  it('starts with one BOS where the GGUF sets add_bos_token false, as PyTorch does, and generation feeds those tokens', async () => {
    const generator = (await createGenerator(parseConfig({}))) as LlamaGenerator;
    closers.push(() => generator.dispose());
    const messages = [
      { role: 'system' as const, content: 'Answer briefly.' },
      { role: 'user' as const, content: 'What is the capital of France?' },
    ];
    const { promptTokens } = generator.chatTokens(messages);
    // <|im_start|> is SmolLM2's BOS (id 1); node-llama-cpp's ChatML wrapper used to prepend another: [1, 1, 9690, …]
    expect(promptTokens.slice(0, 2)).toEqual([1, 9690]);
    const result = await generator.generate({ messages, maxTokens: 4, temperature: 0 });
    // node-llama-cpp meters the last prompt token with the first generated one (so for Qwen2.5 too: 23 → 22)
    expect(result.usage.promptTokens).toBe(promptTokens.length - 1);
  });
});

describe('llama parallel sequences (SmolLM2-135M)', () => {
  /** Runs three requests at once; returns, per request, when its first token came and when it finished. */
  async function overlap(parallel: number) {
    const generator = (await createGenerator(
      parseConfig({ generator: { provider: 'llama', threads: 1, parallel } }),
    )) as LlamaGenerator;
    closers.push(() => generator.dispose());
    const questions = ['Name a colour.', 'Name a fruit.', 'Name an animal.'];
    const started = performance.now();
    return Promise.all(
      questions.map(async (content) => {
        let first = Number.NaN;
        const result = await generator.generate({
          messages: [{ role: 'user', content }],
          maxTokens: 24,
          temperature: 0,
          onToken: () => (first = Number.isNaN(first) ? performance.now() - started : first),
        });
        return { first, done: performance.now() - started, text: result.text };
      }),
    );
  }
  it('answers up to `parallel` requests at once on one context, and one at a time by default', async () => {
    const together = await overlap(3);
    for (const r of together) expect(r.text.length).toBeGreaterThan(0);
    // every request had its first token before any of them finished: they ran side by side
    expect(Math.max(...together.map((r) => r.first))).toBeLessThan(Math.min(...together.map((r) => r.done)));
    const inTurn = (await overlap(1)).sort((a, b) => a.first - b.first);
    // one sequence: each request starts only after the one before it has finished
    expect(inTurn[1]!.first).toBeGreaterThanOrEqual(inTurn[0]!.done);
    expect(inTurn[2]!.first).toBeGreaterThanOrEqual(inTurn[1]!.done);
  });
});
