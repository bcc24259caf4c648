import type { GenerateRequest, GenerateResult, Generator } from '../generate/generator.ts';
import { countTextTokens, streamPieces } from './text-features.ts';

/** What a script sees: the request, the last user message, and how many calls came before. */
export interface ScriptCall {
  request: GenerateRequest;
  /** The last user message's content. */
  prompt: string;
  /** 0-based number of this call. */
  index: number;
}

/** A reply text, or a function of the call; a thrown error fails that call (failure injection). */
export type Script = string | string[] | ((call: ScriptCall) => string | Promise<string>);

export interface ScriptedGeneratorOptions {
  id?: string;
  contextSize?: number;
  /** Milliseconds between streamed tokens (default 0); lets a test abort mid-answer. */
  tokenDelayMs?: number;
}

export interface ScriptedGenerator extends Generator, AsyncDisposable {
  /** Every request received, in order. */
  readonly requests: GenerateRequest[];
  /** The last user message of every request, in order. */
  readonly prompts: string[];
}

const MESSAGE_OVERHEAD_TOKENS = 4;

/**
 * A Generator that answers from a script instead of a model, for fast tests of everything around
 * the model: prompts are recorded, replies are streamed token by token through `onToken`, cut at
 * `maxTokens` and `stop`, usage is counted, and an aborted signal rejects the call. A string array
 * script replies with its entries in turn (the last one repeats).
 */
export function scriptedGenerator(script: Script, options: ScriptedGeneratorOptions = {}): ScriptedGenerator {
  const requests: GenerateRequest[] = [];
  const prompts: string[] = [];
  const reply = async (call: ScriptCall): Promise<string> => {
    if (typeof script === 'string') return script;
    if (Array.isArray(script)) return script[Math.min(call.index, script.length - 1)] ?? '';
    return script(call);
  };
  return {
    id: options.id ?? 'scripted',
    contextSize: options.contextSize ?? 4096,
    requests,
    prompts,
    async generate(request): Promise<GenerateResult> {
      const started = performance.now();
      request.signal?.throwIfAborted();
      const prompt = request.messages.findLast((m) => m.role === 'user')?.content ?? '';
      const index = requests.length;
      requests.push(request);
      prompts.push(prompt);
      let text = await reply({ request, prompt, index });
      for (const stop of request.stop ?? []) {
        const at = text.indexOf(stop);
        if (at >= 0) text = text.slice(0, at);
      }
      const pieces = streamPieces(text).slice(0, request.maxTokens ?? Number.POSITIVE_INFINITY);
      let firstTokenMs: number | null = null;
      for (const piece of pieces) {
        if (options.tokenDelayMs) await new Promise((resolve) => setTimeout(resolve, options.tokenDelayMs));
        request.signal?.throwIfAborted();
        firstTokenMs ??= performance.now() - started;
        request.onToken?.(piece);
      }
      const promptTokens = request.messages.reduce(
        (sum, m) => sum + countTextTokens(m.content) + MESSAGE_OVERHEAD_TOKENS,
        0,
      );
      return {
        text: pieces.join('').trim(),
        usage: { promptTokens, completionTokens: pieces.length },
        firstTokenMs,
        // never 0: callers divide by it (tokens per second)
        totalMs: Math.max(performance.now() - started, 0.001),
      };
    },
    async countTokens(text) {
      return countTextTokens(text);
    },
    async dispose() {},
    async [Symbol.asyncDispose]() {},
  };
}
