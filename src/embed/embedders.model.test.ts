import { afterAll } from 'vitest';
import { parseConfig } from '../config/config.ts';
import { createEmbedder } from '../runtime/backends.ts';
import { startOpenAICompatibleServer } from '../testing/openai-compatible-server.ts';
import { describeEmbedderContract } from './embedder.contract.ts';
import { OpenAIEmbedder } from './openai-embedder.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describeEmbedderContract('transformers.js (all-MiniLM-L6-v2 ONNX)', () => createEmbedder(parseConfig({})));

describeEmbedderContract('openai-compatible (HTTP in front of MiniLM)', async () => {
  const local = await createEmbedder(parseConfig({}));
  const server = await startOpenAICompatibleServer({ embedder: local });
  closers.push(server.close, () => local.dispose());
  return OpenAIEmbedder.connect({ model: 'minilm', baseURL: server.url });
});
