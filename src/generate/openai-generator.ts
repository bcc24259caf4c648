import OpenAI from 'openai';
import { ProviderError } from '../errors.ts';
import type { GenerateRequest, GenerateResult, Generator } from './generator.ts';

export interface OpenAIGeneratorOptions {
  model: string;
  baseURL: string;
  apiKey?: string;
  contextSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** Model names per adapter (vLLM serves LoRA adapters as model names). */
  adapters?: Record<string, string>;
}

/** Any OpenAI-compatible chat endpoint: OpenAI, vLLM, Ollama, llama.cpp server, attune serve. */
export class OpenAIGenerator implements Generator {
  readonly id: string;
  readonly contextSize: number;
  readonly #client: OpenAI;
  readonly #options: OpenAIGeneratorOptions;

  constructor(options: OpenAIGeneratorOptions) {
    this.#options = options;
    this.id = `openai:${options.model}`;
    this.contextSize = options.contextSize ?? 8192;
    this.#client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? 'not-needed',
      timeout: options.timeoutMs ?? 120_000,
      maxRetries: options.maxRetries ?? 1,
    });
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const started = performance.now();
    const model = request.adapter ? (this.#options.adapters?.[request.adapter] ?? request.adapter) : this.#options.model;
    let firstTokenMs: number | null = null;
    let text = '';
    let usage = { promptTokens: 0, completionTokens: 0 };
    try {
      const stream = await this.#client.chat.completions.create(
        {
          model,
          messages: request.messages,
          max_tokens: request.maxTokens ?? 256,
          temperature: request.temperature ?? 0,
          seed: request.seed,
          stop: request.stop,
          stream: true,
          stream_options: { include_usage: true },
          ...(request.jsonSchema
            ? { response_format: { type: 'json_schema' as const, json_schema: { name: 'answer', schema: request.jsonSchema } } }
            : {}),
        },
        { signal: request.signal },
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content ?? '';
        if (delta) {
          firstTokenMs ??= performance.now() - started;
          text += delta;
          request.onToken?.(delta);
        }
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw new ProviderError(`chat endpoint ${this.#options.baseURL} (model ${model}) failed: ${(error as Error).message}`, { input: this.#options.baseURL, cause: error });
    }
    if (usage.promptTokens === 0) {
      // servers that do not report usage: estimate, ~4 characters per token
      usage = { promptTokens: Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4), completionTokens: Math.ceil(text.length / 4) };
    }
    return { text: text.trim(), usage, firstTokenMs, totalMs: performance.now() - started };
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}
}
