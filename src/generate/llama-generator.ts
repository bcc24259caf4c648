import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  getLlama,
  LlamaChatSession,
  LlamaText,
  resolveChatWrapper,
  SpecialToken,
  TokenMeter,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from 'node-llama-cpp';
import { ModelError } from '../errors.ts';
import type { ChatMessage } from '../types.ts';
import type { AdapterRuntime, GenerateRequest, GenerateResult, Generator } from './generator.ts';

export interface LlamaGeneratorOptions {
  /** Path to a GGUF model file. */
  modelPath: string;
  contextSize?: number;
  /** Default: all cores but one. llama.cpp's threads spin-wait for each other, so on a small
   * machine that also runs the embedder, a server or a trainer, one core left free keeps
   * generation from stalling when the cores are oversubscribed. */
  threads?: number;
  /** LoRA adapters by name → GGUF adapter file; a request picks one with `adapter`. */
  adapters?: Record<string, string>;
  /**
   * Most adapters kept loaded at once (default 4). llama.cpp applies adapters per context, so each loaded
   * adapter holds a context (its KV cache and compute buffers); past the limit the least recently used one
   * is disposed and reloaded on its next request.
   */
  maxAdapters?: number;
  /**
   * Sequences per context (default 1): up to this many requests on one model (and adapter) run at once,
   * their tokens evaluated in shared batches by llama.cpp. Each sequence holds its own `contextSize` of KV cache.
   */
  parallel?: number;
}

/** At most `size` holders at once; the rest wait in arrival order. */
class Slots {
  readonly #size: number;
  #used = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #idle: (() => void)[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  async acquire(): Promise<void> {
    if (this.#used < this.#size) {
      this.#used++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) {
      next(); // the slot passes straight to the next waiter
      return;
    }
    this.#used--;
    if (this.#used === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once nothing holds or waits for a slot. */
  idle(): Promise<void> {
    return this.#used === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}

/** A local GGUF model through node-llama-cpp (CPU build), with optional LoRA adapters. */
export class LlamaGenerator implements Generator, AdapterRuntime {
  readonly id: string;
  readonly contextSize: number;
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #options: LlamaGeneratorOptions;
  readonly #contexts = new Map<string, Promise<LlamaContext>>();
  readonly #chatWrapper: ChatWrapper;
  /** Per context (base model or adapter): `parallel` requests at once, one per sequence; the rest wait their turn. */
  readonly #slots = new Map<string, Slots>();
  readonly parallel: number;

  private constructor(llama: Llama, model: LlamaModel, options: LlamaGeneratorOptions) {
    this.#llama = llama;
    this.#model = model;
    this.#options = options;
    this.id = model.filename ?? options.modelPath;
    this.contextSize = Math.min(options.contextSize ?? 4096, model.trainContextSize);
    this.parallel = Math.max(1, Math.floor(options.parallel ?? 1));
    this.#chatWrapper = chatWrapperFor(model);
  }

  static async load(options: LlamaGeneratorOptions): Promise<LlamaGenerator> {
    if (!existsSync(options.modelPath)) {
      throw new ModelError(
        `generation model not found: ${options.modelPath}: run \`attune models pull\` or set generator.model`,
        { input: options.modelPath },
      );
    }
    for (const [name, path] of Object.entries(options.adapters ?? {})) {
      if (!existsSync(path)) throw new ModelError(`adapter ${name}: file not found: ${path}`, { input: path });
    }
    try {
      const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
      const model = await llama.loadModel({ modelPath: options.modelPath });
      return new LlamaGenerator(llama, model, options);
    } catch (error) {
      throw new ModelError(`could not load ${options.modelPath}: ${(error as Error).message}`, {
        input: options.modelPath,
        cause: error,
      });
    }
  }

  /** Registers another adapter after loading (e.g. one just trained); it loads on first use. */
  addAdapter(name: string, path: string): void {
    if (!existsSync(path)) throw new ModelError(`adapter ${name}: file not found: ${path}`, { input: path });
    const known = (this.#options.adapters ??= {});
    // a retrained adapter (same name, new file) must not keep answering with the old context
    if (known[name] !== undefined && known[name] !== path) void this.unloadAdapter(name);
    known[name] = path;
  }

  /** Loads an adapter now (registering `path` when given), evicting the least recently used one past maxAdapters. */
  async loadAdapter(name: string, path?: string): Promise<void> {
    if (path) this.addAdapter(name, path);
    await this.#context(name);
  }

  /** Frees the adapter's context; false when it was not loaded. The LoRA weights stay with the model (node-llama-cpp frees them with it). */
  async unloadAdapter(name: string): Promise<boolean> {
    const context = this.#contexts.get(name);
    if (!name || !context) return false;
    this.#contexts.delete(name);
    // requests running on it finish first
    await this.#slots.get(name)?.idle();
    await (await context.catch(() => undefined))?.dispose();
    return true;
  }

  /** Loaded adapters, least recently used first. */
  loadedAdapters(): string[] {
    return [...this.#contexts.keys()].filter((key) => key !== '');
  }

  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const key = request.adapter ?? '';
    let slots = this.#slots.get(key);
    if (!slots) this.#slots.set(key, (slots = new Slots(this.parallel)));
    await slots.acquire();
    try {
      return await this.#generate(request);
    } finally {
      slots.release();
    }
  }

  async #generate(request: GenerateRequest): Promise<GenerateResult> {
    request.signal?.throwIfAborted();
    const context = await this.#context(request.adapter);
    const sequence = context.getSequence();
    const started = performance.now();
    try {
      const system = request.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n\n');
      const turns = request.messages.filter((m) => m.role !== 'system');
      const last = turns.at(-1);
      if (!last || last.role !== 'user') throw new ModelError('the last message must come from the user');
      const session = new LlamaChatSession({
        contextSequence: sequence,
        chatWrapper: this.#chatWrapper,
        systemPrompt: system || undefined,
        autoDisposeSequence: false,
      });
      const history: ChatHistoryItem[] = [...session.getChatHistory()];
      for (const turn of turns.slice(0, -1)) {
        history.push(
          turn.role === 'user' ? { type: 'user', text: turn.content } : { type: 'model', response: [turn.content] },
        );
      }
      session.setChatHistory(history);
      const grammar = request.jsonSchema
        ? await this.#llama.createGrammarForJsonSchema(request.jsonSchema as never)
        : undefined;
      let firstTokenMs: number | null = null;
      const before = sequence.tokenMeter.getState();
      const text = await session.prompt(last.content, {
        maxTokens: request.maxTokens ?? 256,
        temperature: request.temperature ?? 0,
        seed: request.seed,
        grammar,
        signal: request.signal,
        customStopTriggers: request.stop,
        onTextChunk: (chunk) => {
          firstTokenMs ??= performance.now() - started;
          request.onToken?.(chunk);
        },
      });
      const used = TokenMeter.diff(sequence.tokenMeter, before);
      session.dispose({ disposeSequence: false });
      return {
        text: text.trim(),
        usage: { promptTokens: used.usedInputTokens, completionTokens: used.usedOutputTokens },
        firstTokenMs,
        totalMs: performance.now() - started,
      };
    } finally {
      // each request starts from an empty sequence: no state leaks between requests or callers
      await sequence.clearHistory();
      sequence.dispose();
    }
  }

  #context(adapter: string | undefined): Promise<LlamaContext> {
    const key = adapter ?? '';
    let context = this.#contexts.get(key);
    if (context) {
      // most recently used last: Map keeps insertion order
      this.#contexts.delete(key);
      this.#contexts.set(key, context);
    } else {
      const path = adapter ? this.#options.adapters?.[adapter] : undefined;
      if (adapter && !path)
        throw new ModelError(
          `unknown adapter "${adapter}": known: ${Object.keys(this.#options.adapters ?? {}).join(', ') || 'none'}`,
        );
      context = this.#model.createContext({
        contextSize: this.contextSize,
        threads: this.#options.threads ?? Math.max(1, availableParallelism() - 1),
        sequences: this.parallel,
        ...(path ? { lora: { adapters: [{ filePath: path }] } } : {}),
      });
      this.#contexts.set(key, context);
      context.catch(() => this.#contexts.get(key) === context && this.#contexts.delete(key));
      if (key) this.#evict();
    }
    return context;
  }

  #evict(): void {
    const loaded = this.loadedAdapters();
    const max = Math.max(1, this.#options.maxAdapters ?? 4);
    for (const name of loaded.slice(0, Math.max(0, loaded.length - max))) void this.unloadAdapter(name);
  }

  /**
   * The prompt tokens this generator feeds the model for a chat (the chat wrapper node-llama-cpp picks for the
   * GGUF, rendered up to the answer), and the model's end-of-generation token: the export parity check compares
   * them with what PyTorch uses, since a template or EOS mismatch degrades a tuned adapter silently.
   */
  chatTokens(messages: ChatMessage[]): { promptTokens: number[]; eosToken: string | undefined } {
    const wrapper = this.#chatWrapper;
    const system = messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n\n');
    const history: ChatHistoryItem[] = system ? [{ type: 'system', text: system }] : [];
    for (const turn of messages.filter((m) => m.role !== 'system')) {
      history.push(
        turn.role === 'user' ? { type: 'user', text: turn.content } : { type: 'model', response: [turn.content] },
      );
    }
    history.push({ type: 'model', response: [] });
    const { contextText } = wrapper.generateContextState({ chatHistory: history });
    return {
      promptTokens: contextText.tokenize(this.#model.tokenizer),
      eosToken: this.#model.tokens.eosString ?? undefined,
    };
  }

  async countTokens(text: string): Promise<number> {
    return this.#model.tokenize(text).length;
  }

  async dispose(): Promise<void> {
    // a context that failed to load (a broken adapter) has nothing to dispose
    for (const context of this.#contexts.values()) await (await context.catch(() => undefined))?.dispose();
    await this.#model.dispose();
  }
}

/**
 * The chat wrapper node-llama-cpp picks for the GGUF, minus a BOS token the GGUF says not to add. Its ChatML
 * wrapper starts every prompt with BOS whatever the file's `tokenizer.ggml.add_bos_token`; for SmolLM2, whose
 * BOS is `<|im_start|>` itself and whose GGUF sets add_bos_token false, that fed the model [1, 1, 9690, …] where
 * PyTorch (and the model's training) has [1, 9690, …], and the export parity check saw the prompts differ.
 */
export function chatWrapperFor(model: LlamaModel): ChatWrapper {
  const wrapper = resolveChatWrapper(model);
  const addBos = (model.fileInfo.metadata as { tokenizer?: { ggml?: { add_bos_token?: boolean } } }).tokenizer?.ggml
    ?.add_bos_token;
  if (addBos !== false) return wrapper;
  const generate = wrapper.generateContextState.bind(wrapper);
  wrapper.generateContextState = (options) => {
    const state = generate(options);
    const [first, ...rest] = state.contextText.values;
    return first instanceof SpecialToken && first.value === 'BOS' ? { ...state, contextText: LlamaText(rest) } : state;
  };
  return wrapper;
}
