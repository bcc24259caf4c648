import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generator } from './generator.ts';

/** The shared contract every Generator backend passes (STYLE.md §12). */
export function describeGeneratorContract(
  name: string,
  make: () => Promise<Generator>,
  options: { jsonSchema?: boolean } = {},
): void {
  describe(`Generator contract: ${name}`, () => {
    let generator: Generator;
    beforeAll(async () => {
      generator = await make();
    });
    afterAll(async () => generator?.dispose());

    const ask = (content: string, extra = {}) =>
      generator.generate({ messages: [{ role: 'user', content }], maxTokens: 24, temperature: 0, ...extra });

    it('answers with text and reports usage and timings', async () => {
      const result = await ask('What is the capital of France? Answer in one word.');
      expect(result.text.length).toBeGreaterThan(0);
      expect(result.usage.promptTokens).toBeGreaterThan(5);
      expect(result.usage.completionTokens).toBeGreaterThan(0);
      expect(result.usage.completionTokens).toBeLessThanOrEqual(24);
      expect(result.totalMs).toBeGreaterThan(0);
      expect(result.firstTokenMs).not.toBeNull();
    });

    it('is deterministic at temperature 0 and streams exactly the text it returns', async () => {
      let streamed = '';
      const first = await ask('Name three colours.', { onToken: (t: string) => (streamed += t) });
      const second = await ask('Name three colours.');
      expect(second.text).toBe(first.text);
      expect(streamed.trim()).toBe(first.text);
    });

    it('sends the system message and earlier turns to the model', async () => {
      const system = { role: 'system' as const, content: 'You are a helpful assistant.' };
      const question = { role: 'user' as const, content: 'What is my name?' };
      const alone = await generator.generate({ messages: [system, question], maxTokens: 8, temperature: 0 });
      const withHistory = await generator.generate({
        messages: [
          system,
          { role: 'user', content: 'My name is Quill Ambervale.' },
          { role: 'assistant', content: 'Nice to meet you, Quill Ambervale.' },
          question,
        ],
        maxTokens: 8,
        temperature: 0,
      });
      // the earlier turns reach the model: they cost prompt tokens
      const historyTokens = await generator.countTokens(
        'My name is Quill Ambervale. Nice to meet you, Quill Ambervale.',
      );
      expect(withHistory.usage.promptTokens).toBeGreaterThanOrEqual(alone.usage.promptTokens + historyTokens - 4);
    });

    it('stops when aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(ask('Count to one hundred.', { signal: controller.signal, maxTokens: 200 })).rejects.toThrow();
    });

    it.skipIf(options.jsonSchema === false)('constrains output to a JSON schema', async () => {
      const result = await ask('Give the capital of France as JSON.', {
        maxTokens: 48,
        jsonSchema: { type: 'object', properties: { capital: { type: 'string' } }, required: ['capital'] },
      });
      expect(typeof JSON.parse(result.text).capital).toBe('string');
    });

    it('counts tokens', async () => {
      expect(await generator.countTokens('hello world, this is a test')).toBeGreaterThan(3);
    });
  });
}
