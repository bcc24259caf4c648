import { afterAll } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createGenerator } from '../runtime/backends.ts';
import { startOpenAICompatibleServer } from '../testing/openai-compatible-server.ts';
import { describeGeneratorContract } from './generator.contract.ts';
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
