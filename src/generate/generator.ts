import type { ChatMessage, Usage } from '../types.ts';

export interface GenerateRequest {
  messages: ChatMessage[];
  maxTokens?: number;
  /** 0 → greedy. */
  temperature?: number;
  seed?: number;
  /** Name of a LoRA adapter known to the generator (see LlamaGenerator's `adapters`). */
  adapter?: string;
  /** Constrain output to this JSON schema where the runtime supports it. */
  jsonSchema?: Record<string, unknown>;
  stop?: string[];
  signal?: AbortSignal;
  onToken?: (text: string) => void;
}

export interface GenerateResult {
  text: string;
  usage: Usage;
  firstTokenMs: number | null;
  totalMs: number;
}

/** Produces text from chat messages. Backends: node-llama-cpp (local GGUF + LoRA), OpenAI-compatible. */
export interface Generator {
  readonly id: string;
  readonly contextSize: number;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  countTokens(text: string): Promise<number>;
  dispose(): Promise<void>;
}
