import type { Generator } from '../generate/generator.ts';
import { buildBaseMessages, isAbstention } from './prompt.ts';
import type { AnswerOptions, Strategy } from './strategy.ts';
import type { Answer } from '../types.ts';

export interface BaseStrategyOptions {
  name?: string;
  /** LoRA adapter name known to the generator: `ft` is `base` with an adapter. */
  adapter?: string;
  maxTokens?: number;
}

/** The model alone, no retrieval: what the model knows (or what its adapter taught it). */
export function baseStrategy(generator: Generator, options: BaseStrategyOptions = {}): Strategy {
  return {
    name: options.name ?? (options.adapter ? 'ft' : 'base'),
    async answer(question: string, call: AnswerOptions = {}): Promise<Answer> {
      const started = performance.now();
      const maxTokens = options.maxTokens ?? 64;
      const result = await generator.generate({
        messages: buildBaseMessages(question),
        maxTokens,
        temperature: call.temperature ?? 0,
        seed: call.seed,
        adapter: options.adapter,
        signal: call.signal,
        onToken: call.onToken,
      });
      return {
        answer: result.text,
        abstained: isAbstention(result.text),
        citations: [],
        retrieved: [],
        timings: {
          retrieveMs: 0,
          rerankMs: 0,
          generateMs: result.totalMs,
          firstTokenMs: result.firstTokenMs,
          totalMs: performance.now() - started,
        },
        usage: result.usage,
        finishReason: finishReason(result.usage.completionTokens, maxTokens),
      };
    },
  };
}

/** The generators report no stop reason: an answer that used the whole budget was cut off. */
export function finishReason(completionTokens: number, maxTokens: number): 'stop' | 'length' {
  return completionTokens >= maxTokens ? 'length' : 'stop';
}
