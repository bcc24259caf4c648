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
