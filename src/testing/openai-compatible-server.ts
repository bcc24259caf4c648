import { existsSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Embedder } from '../embed/embedder.ts';
import { hasAdapterRuntime, type Generator } from '../generate/generator.ts';

export interface OpenAICompatibleBackends {
  generator?: Generator;
  embedder?: Embedder;
  /**
   * vLLM's runtime LoRA endpoints (`--enable-lora`, VLLM_ALLOW_RUNTIME_LORA_UPDATING=True): /v1/load_lora_adapter
   * and /v1/unload_lora_adapter, and chat requests routed by model name: `baseModel` or a loaded adapter's
   * name, any other name a 404 as vLLM answers. vLLM itself cannot run on a CPU-only test machine.
   */
  lora?: {
    baseModel: string;
    /** The adapter file the generator loads for a PEFT folder (a llama generator loads GGUF, vLLM loads PEFT). */
    adapterFile?: (peftFolder: string) => string;
  };
}

export interface OpenAICompatibleServer {
  url: string;
  close: () => Promise<void>;
  /** Adapter name → the lora_path it was loaded from. */
  loras: Map<string, string>;
  /** The `model` of every chat request, in order. */
  chatModels: string[];
}

/**
 * A minimal OpenAI-compatible endpoint on 127.0.0.1 in front of real local models, so that the
 * OpenAI-compatible backends are tested against a real HTTP server speaking the protocol
 * (streaming chat with usage, embeddings), the way vLLM or llama.cpp's server would answer.
 */
export async function startOpenAICompatibleServer(backends: OpenAICompatibleBackends): Promise<OpenAICompatibleServer> {
  const loras = new Map<string, string>();
  const chatModels: string[] = [];
  const fail = (response: ServerResponse, status: number, message: string) =>
    response
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ object: 'error', message, type: 'BadRequestError', code: status }));
  const server: Server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    try {
      const payload = JSON.parse(body || '{}');
      if (request.url === '/v1/load_lora_adapter' && backends.lora) {
        const { lora_name: name, lora_path: path } = payload as { lora_name?: string; lora_path?: string };
        if (!name || !path) return fail(response, 400, "Both 'lora_name' and 'lora_path' must be provided.");
        if (loras.has(name)) return fail(response, 400, `The lora adapter '${name}' has already been loaded.`);
        if (!existsSync(join(path, 'adapter_config.json'))) return fail(response, 400, `No adapter found for ${path}`);
        if (backends.generator && hasAdapterRuntime(backends.generator))
          await backends.generator.loadAdapter(name, backends.lora.adapterFile?.(path) ?? path);
        loras.set(name, path);
        response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`Success: LoRA adapter '${name}' added successfully.`);
        return;
      }
      if (request.url === '/v1/unload_lora_adapter' && backends.lora) {
        const name = (payload as { lora_name?: string }).lora_name ?? '';
        if (!loras.delete(name)) return fail(response, 404, `The lora adapter '${name}' cannot be found.`);
        if (backends.generator && hasAdapterRuntime(backends.generator)) await backends.generator.unloadAdapter(name);
        response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(`Success: LoRA adapter '${name}' removed successfully.`);
        return;
      }
      if (
        request.url === '/v1/chat/completions' &&
        backends.lora &&
        payload.model !== backends.lora.baseModel &&
        !loras.has(payload.model)
      ) {
        return fail(response, 404, `The model \`${payload.model}\` does not exist.`);
      }
      if (request.url === '/v1/embeddings' && backends.embedder) {
        const inputs: string[] = Array.isArray(payload.input) ? payload.input : [payload.input];
        const vectors = await backends.embedder.embed(inputs);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            object: 'list',
            model: payload.model,
            data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v) })),
          }),
        );
        return;
      }
      if (request.url === '/v1/chat/completions' && backends.generator) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
        const base = {
          id: 'chatcmpl-test',
          object: 'chat.completion.chunk',
          created: Math.floor(Date.now() / 1000),
          model: payload.model,
        };
        const schema = payload.response_format?.json_schema?.schema;
        chatModels.push(payload.model);
        const result = await backends.generator.generate({
          adapter: loras.has(payload.model) ? payload.model : undefined,
          messages: payload.messages,
          maxTokens: payload.max_tokens,
          temperature: payload.temperature,
          jsonSchema: schema,
          onToken: (text) => send({ ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }),
        });
        send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
        send({
          ...base,
          choices: [],
          usage: {
            prompt_tokens: result.usage.promptTokens,
            completion_tokens: result.usage.completionTokens,
            total_tokens: result.usage.promptTokens + result.usage.completionTokens,
          },
        });
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
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    loras,
    chatModels,
  };
}
