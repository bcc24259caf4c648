import { ProviderError } from '../errors.ts';
import type { Embedder } from './embedder.ts';
import { redactUrl } from '../io/redact-url.ts';

export interface OpenAIEmbedderOptions {
  model: string;
  baseURL: string;
  apiKey?: string;
  /** Known dimension; otherwise probed with one request. */
  dimension?: number;
  maxTokens?: number;
  timeoutMs?: number;
  batchSize?: number;
}

/** Any OpenAI-compatible `/embeddings` endpoint (OpenAI, vLLM, Ollama, llama.cpp server, attune serve). */
export class OpenAIEmbedder implements Embedder {
  readonly id: string;
  dimension: number;
  readonly maxTokens: number;
  readonly #options: OpenAIEmbedderOptions;

  private constructor(options: OpenAIEmbedderOptions, dimension: number) {
    this.#options = options;
    this.id = `openai:${options.model}`;
    this.dimension = dimension;
    this.maxTokens = options.maxTokens ?? 512;
  }

  static async connect(options: OpenAIEmbedderOptions): Promise<OpenAIEmbedder> {
    const embedder = new OpenAIEmbedder(options, options.dimension ?? 0);
    if (!options.dimension) embedder.dimension = (await embedder.embed(['probe']))[0]!.length;
    return embedder;
  }

  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    const batchSize = this.#options.batchSize ?? 64;
    for (let start = 0; start < texts.length; start += batchSize) {
      const body = await this.#post(
        { model: this.#options.model, input: texts.slice(start, start + batchSize) },
        options.signal,
      );
      const data = (body as { data?: { index: number; embedding: number[] }[] }).data;
      if (!Array.isArray(data))
        throw new ProviderError(`${redactUrl(this.#options.baseURL)}/embeddings returned no data array`);
      for (const row of [...data].sort((a, b) => a.index - b.index)) vectors.push(Float32Array.from(row.embedding));
    }
    return vectors;
  }

  /** Without the remote tokenizer, estimate: ~4 characters per token for English text. */
  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }

  async dispose(): Promise<void> {}

  async #post(payload: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.#options.baseURL.replace(/\/$/, '')}/embeddings`;
    const timeout = AbortSignal.timeout(this.#options.timeoutMs ?? 60_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.#options.apiKey ? { authorization: `Bearer ${this.#options.apiKey}` } : {}),
        },
        body: JSON.stringify(payload),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw new ProviderError(`embedding endpoint ${redactUrl(url)} failed: ${(error as Error).message}`, {
        input: redactUrl(url),
        cause: error,
      });
    }
    if (!response.ok)
      throw new ProviderError(
        `embedding endpoint ${redactUrl(url)} answered ${response.status}: ${(await response.text()).slice(0, 200)}`,
        { input: redactUrl(url) },
      );
    return response.json();
  }
}
