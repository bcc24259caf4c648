import { describe, expect, it } from 'vitest';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { scriptedGenerator, type ScriptCall } from '../testing/scripted-generator.ts';
import { ragStrategy } from './rag-strategy.ts';
import { kitCollection } from '../testing/kit-collection.ts';

// retrieval.rerank (config, `--rerank`): the rag answer grades its candidates with the generator and
// answers from the best-graded ones; without it the generator is asked only for the answer.
const embedder = hashingEmbedder();
const TEXTS = [
  'The harbour of Quell has a lighthouse and a pier.',
  'The Quell lighthouse was built in 1871 by the engineer Mara Quell.',
  'Quell harbour lighthouse pier boats fishing nets.',
];

const collection = () =>
  kitCollection(
    embedder,
    TEXTS.map((text, i) => ({ docId: `d${i}.md`, text })),
    'rerank',
  );

/** Grades the passage naming the builder 3 and every other 0; answers otherwise. */
const script = (call: ScriptCall) =>
  call.request.jsonSchema
    ? JSON.stringify({ relevant: true, score: call.prompt.includes('Mara Quell') ? 3 : 0 })
    : 'Mara Quell built it [1].';

describe('rag with retrieval.rerank', () => {
  it('grades every candidate with the generator and answers from the best-graded chunk first', async () => {
    const generator = scriptedGenerator(script);
    const strategy = ragStrategy({
      generator,
      store: await collection(),
      embedder,
      retrieval: { k: 1, mode: 'hybrid', minVectorScore: -1, rerank: true, rerankCandidates: 3 },
    });
    const answer = await strategy.answer('Who built the harbour lighthouse of Quell?');
    const grades = generator.requests.filter((r) => r.jsonSchema);
    expect(grades).toHaveLength(3);
    expect(answer.citations[0]!.chunkId).toBe('d1.md#0');
    expect(answer.timings.rerankMs).toBeGreaterThan(0);
  });

  it('without rerank the generator is asked only for the answer', async () => {
    const generator = scriptedGenerator(script);
    const strategy = ragStrategy({
      generator,
      store: await collection(),
      embedder,
      retrieval: { k: 1, mode: 'hybrid', minVectorScore: -1 },
    });
    await strategy.answer('Who built the harbour lighthouse of Quell?');
    expect(generator.requests.filter((r) => r.jsonSchema)).toHaveLength(0);
    expect(generator.requests).toHaveLength(1);
  });
});
