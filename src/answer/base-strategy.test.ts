import { describe, expect, it } from 'vitest';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import { baseStrategy } from './base-strategy.ts';
import { BASE_SYSTEM_PROMPT } from './prompt.ts';

describe('baseStrategy on the test kit', () => {
  it('asks the model alone with the base prompt and returns its answer with usage and timings', async () => {
    const generator = scriptedGenerator('Paris is the capital of France.');
    const answer = await baseStrategy(generator).answer('What is the capital of France?', { seed: 3 });
    expect(generator.requests[0]).toMatchObject({
      messages: [
        { role: 'system', content: BASE_SYSTEM_PROMPT },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      maxTokens: 64,
      temperature: 0,
      seed: 3,
      adapter: undefined,
    });
    expect(answer).toMatchObject({
      answer: 'Paris is the capital of France.',
      abstained: false,
      citations: [],
      retrieved: [],
    });
    expect(answer.usage).toEqual({ promptTokens: expect.any(Number), completionTokens: 7 });
    expect(answer.timings.retrieveMs).toBe(0);
  });

  it('is ft when given an adapter, and marks a declining answer as abstained', async () => {
    const generator = scriptedGenerator("I don't know.");
    const ft = baseStrategy(generator, { adapter: 'faq', maxTokens: 5 });
    expect(ft.name).toBe('ft');
    const answer = await ft.answer('Who owns the moon?');
    expect(generator.requests[0]).toMatchObject({ adapter: 'faq', maxTokens: 5 });
    expect(answer.abstained).toBe(true);
  });
});
