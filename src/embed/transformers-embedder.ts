import {
  env as transformersEnv,
  pipeline,
  AutoTokenizer,
  type FeatureExtractionPipeline,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ModelError } from '../errors.ts';
import type { Embedder } from './embedder.ts';

export interface TransformersEmbedderOptions {
  /** A folder under `modelsDir` in transformers.js layout (config.json, tokenizer.json, onnx/model.onnx). */
  model: string;
  modelsDir: string;
  dtype?: 'fp32' | 'q8' | 'int8' | 'fp16';
  /** Texts per forward pass. */
  batchSize?: number;
}

/**
 * The id a collection records for the model folder and its weights: `all-MiniLM-L6-v2` for fp32,
 * `all-MiniLM-L6-v2:q8` for its int8 file. The vectors differ a little, so a collection built with one
 * is not searched with the other.
 */
export function embedderId(model: string, dtype: TransformersEmbedderOptions['dtype']): string {
  return dtype && dtype !== 'fp32' ? `${model}:${dtype}` : model;
}

/** Local sentence embeddings with transformers.js on onnxruntime; mean pooling, L2-normalised. */
export class TransformersEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly maxTokens: number;
  readonly #extractor: FeatureExtractionPipeline;
  readonly #tokenizer: PreTrainedTokenizer;
  readonly #batchSize: number;

  private constructor(
    id: string,
    dimension: number,
    maxTokens: number,
    extractor: FeatureExtractionPipeline,
    tokenizer: PreTrainedTokenizer,
    batchSize: number,
  ) {
    this.id = id;
    this.dimension = dimension;
    this.maxTokens = maxTokens;
    this.#extractor = extractor;
    this.#tokenizer = tokenizer;
    this.#batchSize = batchSize;
  }

  static async load(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const folder = resolve(options.modelsDir, options.model);
    if (!existsSync(join(folder, 'config.json'))) {
      throw new ModelError(
        `embedding model ${options.model} not found in ${options.modelsDir}: run \`attune models pull\``,
        { input: folder },
      );
    }
    // The library's settings are module-global; attune only ever loads from local folders. The folder is given
    // as an absolute path, which the library loads as it is (a name would be looked up under its global
    // localModelPath, and one that is no valid Hugging Face id, such as a staging folder's, relative to the cwd).
    transformersEnv.allowRemoteModels = false;
    try {
      const extractor = (await pipeline('feature-extraction', folder, {
        dtype: options.dtype ?? 'fp32',
        device: 'cpu',
      })) as FeatureExtractionPipeline;
      const tokenizer = await AutoTokenizer.from_pretrained(folder);
      const probe = await extractor(['probe'], { pooling: 'mean', normalize: true });
      const config = extractor.model.config as unknown as { max_position_embeddings?: number };
      const maxTokens = Math.min(tokenizer.model_max_length ?? 512, config.max_position_embeddings ?? 512, 512);
      return new TransformersEmbedder(
        embedderId(options.model, options.dtype),
        probe.dims[1]!,
        maxTokens,
        extractor,
        tokenizer,
        options.batchSize ?? 32,
      );
    } catch (error) {
      throw new ModelError(`could not load embedding model ${folder}: ${(error as Error).message}`, {
        input: folder,
        cause: error,
      });
    }
  }

  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.#batchSize) {
      options.signal?.throwIfAborted();
      const batch = texts.slice(start, start + this.#batchSize);
      const output = await this.#extractor(batch, { pooling: 'mean', normalize: true });
      const data = output.data as Float32Array;
      for (let i = 0; i < batch.length; i++) vectors.push(data.slice(i * this.dimension, (i + 1) * this.dimension));
    }
    return vectors;
  }

  countTokens(text: string): number {
    return this.#tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  async dispose(): Promise<void> {
    await this.#extractor.dispose();
  }
}
