import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Embedder } from '../embed/embedder.ts';
import type { Generator } from '../generate/generator.ts';

/**
 * A minimal OpenAI-compatible endpoint on 127.0.0.1 in front of real local models, so that the
 * OpenAI-compatible backends are tested against a real HTTP server speaking the protocol
 * (streaming chat with usage, embeddings), the way vLLM or llama.cpp's server would answer.
 */
export async function startOpenAICompatibleServer(backends: { generator?: Generator; embedder?: Embedder }): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    try {
      const payload = JSON.parse(body || '{}');
      if (request.url === '/v1/embeddings' && backends.embedder) {
        const inputs: string[] = Array.isArray(payload.input) ? payload.input : [payload.input];
        const vectors = await backends.embedder.embed(inputs);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ object: 'list', model: payload.model, data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v) })) }));
        return;
      }
      if (request.url === '/v1/chat/completions' && backends.generator) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
        const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: payload.model };
        const schema = payload.response_format?.json_schema?.schema;
        const result = await backends.generator.generate({
          messages: payload.messages,
          maxTokens: payload.max_tokens,
          temperature: payload.temperature,
          jsonSchema: schema,
          onToken: (text) => send({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }),
        });
        send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
        send({ ...base, choices: [], usage: { prompt_tokens: result.usage.promptTokens, completion_tokens: result.usage.completionTokens, total_tokens: result.usage.promptTokens + result.usage.completionTokens } });
        response.end('data: [DONE]\n\n');
        return;
      }
      response.writeHead(404).end();
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: (error as Error).message } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
