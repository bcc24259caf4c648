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

/**
 * A generator that loads and unloads LoRA adapters at run time: llama.cpp (a context per adapter, LRU)
 * or a hosted engine's runtime LoRA endpoint (vLLM's /v1/load_lora_adapter).
 */
export interface AdapterRuntime {
  /** `path`: for llama.cpp the adapter's GGUF file; for a hosted engine the PEFT folder as that server sees it. */
  loadAdapter(name: string, path?: string): Promise<void>;
  /** false when it was not loaded. */
  unloadAdapter(name: string): Promise<boolean>;
  loadedAdapters(): string[];
}

export function hasAdapterRuntime(generator: Generator): generator is Generator & AdapterRuntime {
  const candidate = generator as Partial<AdapterRuntime>;
  return (
    typeof candidate.loadAdapter === 'function' &&
    typeof candidate.unloadAdapter === 'function' &&
    typeof candidate.loadedAdapters === 'function'
  );
}
