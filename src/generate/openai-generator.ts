import OpenAI from 'openai';
import { ProviderError } from '../errors.ts';
import type { AdapterRuntime, GenerateRequest, GenerateResult, Generator } from './generator.ts';
import { redactUrl } from '../io/redact-url.ts';

export interface OpenAIGeneratorOptions {
  model: string;
  baseURL: string;
  apiKey?: string;
  contextSize?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** Model names per adapter (vLLM serves LoRA adapters as model names); an adapter not listed is asked for by its own name. */
  adapters?: Record<string, string>;
}

/** Any OpenAI-compatible chat endpoint: OpenAI, vLLM, Ollama, llama.cpp server, attune serve. */
export class OpenAIGenerator implements Generator, AdapterRuntime {
  readonly id: string;
  readonly contextSize: number;
  readonly #client: OpenAI;
  readonly #options: OpenAIGeneratorOptions;
  readonly #loaded = new Set<string>();

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
    const model = request.adapter
      ? (this.#options.adapters?.[request.adapter] ?? request.adapter)
      : this.#options.model;
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
            ? {
                response_format: {
                  type: 'json_schema' as const,
                  json_schema: { name: 'answer', schema: request.jsonSchema },
                },
              }
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
        if (chunk.usage)
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
      }
    } catch (error) {
      if (request.signal?.aborted) throw error;
      throw new ProviderError(
        `chat endpoint ${redactUrl(this.#options.baseURL)} (model ${model}) failed: ${(error as Error).message}`,
        { input: redactUrl(this.#options.baseURL), cause: error },
      );
    }
    if (usage.promptTokens === 0) {
      // servers that do not report usage: estimate, ~4 characters per token
      usage = {
        promptTokens: Math.ceil(request.messages.reduce((n, m) => n + m.content.length, 0) / 4),
        completionTokens: Math.ceil(text.length / 4),
      };
    }
    return { text: text.trim(), usage, firstTokenMs, totalMs: performance.now() - started };
  }

  /**
   * Loads a PEFT adapter folder into the server's runtime LoRA endpoint (vLLM: `POST /v1/load_lora_adapter`,
   * started with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True). The server reads `path` on its
   * own file system. An adapter of the same name already there is replaced (a retrained adapter keeps its name).
   */
  async loadAdapter(name: string, path?: string): Promise<void> {
    if (!path)
      throw new ProviderError(`adapter ${name}: a hosted engine needs the adapter's PEFT folder as the server sees it`);
    const load = () => this.#post('load_lora_adapter', { lora_name: name, lora_path: path });
    let response = await load();
    if (response.status === 400 && /already been loaded/i.test(await response.clone().text())) {
      await this.#post('unload_lora_adapter', { lora_name: name });
      response = await load();
    }
    if (!response.ok)
      throw new ProviderError(
        `${this.#endpoint('load_lora_adapter')}: loading adapter ${name} from ${path} failed (${response.status}): ${(await response.text()).slice(0, 300).replace(/\s+/g, ' ')}`,
        { input: path },
      );
    this.#loaded.add(name);
  }

  async unloadAdapter(name: string): Promise<boolean> {
    const response = await this.#post('unload_lora_adapter', { lora_name: name });
    this.#loaded.delete(name);
    if (response.status === 404 || response.status === 400) return false;
    if (!response.ok)
      throw new ProviderError(
        `${this.#endpoint('unload_lora_adapter')}: unloading adapter ${name} failed (${response.status})`,
      );
    return true;
  }

  /** The adapters this client loaded (the server may hold others, loaded at its start). */
  loadedAdapters(): string[] {
    return [...this.#loaded];
  }

  #endpoint(path: string): string {
    return `${this.#options.baseURL.replace(/\/+$/, '')}/${path}`;
  }

  async #post(path: string, body: Record<string, unknown>): Promise<Response> {
    try {
      return await fetch(this.#endpoint(path), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.#options.apiKey ? { authorization: `Bearer ${this.#options.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw new ProviderError(`${redactUrl(this.#endpoint(path))}: ${(error as Error).message}`, {
        input: redactUrl(this.#options.baseURL),
        cause: error,
      });
    }
  }

  async countTokens(text: string): Promise<number> {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}
}
