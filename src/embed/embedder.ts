/** Turns text into vectors. One small interface; backends: transformers.js (local ONNX), OpenAI-compatible. */
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  /** The most tokens one input may have before the model truncates it. */
  readonly maxTokens: number;
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  /** Tokens of `text` in the model's own tokenizer (the chunker's budget is measured in these). */
  countTokens(text: string): number;
  dispose(): Promise<void>;
}
