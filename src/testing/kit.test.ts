import { describe, expect, it } from 'vitest';
import { describeEmbedderContract } from '../embed/embedder.contract.ts';
import { describeGeneratorContract } from '../generate/generator.contract.ts';
import { hashingEmbedder } from './hashing-embedder.ts';
import { scriptedGenerator } from './scripted-generator.ts';

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

// Skipped: the semantic check (a paraphrase with no shared content word). Hashing sees only shared
// words and word pieces; its lexical similarity is tested below instead.
describeEmbedderContract('hashing', async () => hashingEmbedder(), { semantic: false });

// The script answers every question with a fixed sentence; the contract checks the plumbing
// (usage, streaming, determinism, history, abort), which is what the kit must get right.
// Skipped: JSON-schema constraint — a script replies what it is told, there is no decoder to constrain.
describeGeneratorContract(
  'scripted',
  async () => scriptedGenerator(({ prompt }) => `You asked: ${prompt} Here is a short answer, said plainly.`),
  { jsonSchema: false },
);

describe('hashingEmbedder', () => {
  const embedder = hashingEmbedder({ dimension: 256 });
  it('returns unit vectors that rank a paraphrase above an unrelated text', async () => {
    const [query, close, far, empty] = await embedder.embed([
      'When was the lighthouse built?',
      'The lighthouse was built in 1871.',
      'Copper prices rose in the harbour town.',
      '',
    ]);
    expect(Math.hypot(...query!)).toBeCloseTo(1, 5);
    expect(cosine(query!, close!)).toBeGreaterThan(0.4);
    expect(Math.abs(cosine(query!, far!))).toBeLessThan(0.2);
    expect(Math.hypot(...empty!)).toBe(0);
  });
  it('relates inflected forms through character trigrams', async () => {
    const [one, many, other] = await embedder.embed(['lighthouse', 'lighthouses', 'barley']);
    expect(cosine(one!, many!)).toBeGreaterThan(0.3);
    expect(cosine(one!, many!)).toBeGreaterThan(cosine(one!, other!) + 0.3);
  });
  it('refuses an aborted call', async () => {
    await expect(embedder.embed(['x'], { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

describe('scriptedGenerator', () => {
  it('replies in turn from a list, records prompts, and cuts at maxTokens and stop', async () => {
    const generator = scriptedGenerator(['first reply. STOP hidden', 'one two three four five']);
    const a = await generator.generate({ messages: [{ role: 'user', content: 'q1' }], stop: ['STOP'] });
    const b = await generator.generate({
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'q2' },
      ],
      maxTokens: 3,
    });
    const c = await generator.generate({ messages: [{ role: 'user', content: 'q3' }] });
    expect([a.text, b.text, c.text]).toEqual(['first reply.', 'one two three', 'one two three four five']);
    expect(b.usage.completionTokens).toBe(3);
    expect(generator.prompts).toEqual(['q1', 'q2', 'q3']);
    expect(generator.requests[1]!.messages[0]!.content).toBe('s');
  });
  it('stops streaming when aborted mid-answer', async () => {
    const generator = scriptedGenerator('a long answer with many words that takes a while to stream', {
      tokenDelayMs: 5,
    });
    const controller = new AbortController();
    const streamed: string[] = [];
    const call = generator.generate({
      messages: [{ role: 'user', content: 'q' }],
      signal: controller.signal,
      onToken: (token) => {
        streamed.push(token);
        if (streamed.length === 3) controller.abort();
      },
    });
    await expect(call).rejects.toThrow(/abort/i);
    expect(streamed).toHaveLength(3);
  });
  it('fails a call when the script throws (failure injection)', async () => {
    const generator = scriptedGenerator(({ index }) => {
      if (index === 1) throw new Error('endpoint down');
      return 'fine';
    });
    await expect(generator.generate({ messages: [{ role: 'user', content: 'a' }] })).resolves.toMatchObject({
      text: 'fine',
    });
    await expect(generator.generate({ messages: [{ role: 'user', content: 'b' }] })).rejects.toThrow('endpoint down');
  });
});
