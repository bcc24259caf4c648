import { describe, expect, it } from 'vitest';
import type { Store, StoreQuery } from '../store/store.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import type { SearchMode } from '../types.ts';
import { ragStrategy } from './rag-strategy.ts';
import { kitCollection } from '../testing/kit-collection.ts';

// How often the RAG answer queries the store, on the test kit: the hits carry their vector scores,
// so the coverage gate needs no second query, and it decides as a separate vector query would.
const embedder = hashingEmbedder();
const TEXTS = [
  'The Quell lighthouse was built in 1871 by the engineer Mara Quell.',
  'Copper prices rose in the harbour town after the new pier opened.',
  'A recipe for barley soup with thyme and smoked leeks.',
  // close to "lighthouses keepers lamps" by word pieces only; the next one shares a word but little else
  'lighthouse keeper lamp',
  'lamps: copper soup and barley with thyme, weather, harbour, pier, prices and many other words of filler.',
];

const collection = () =>
  kitCollection(
    embedder,
    TEXTS.map((text, i) => ({ docId: `d${i}.md`, text })),
    'queries',
  );

/** The store, with every search recorded (instrumentation: the queries still run on the real store). */
function counted(store: Store): { store: Store; searches: SearchMode[] } {
  const searches: SearchMode[] = [];
  return {
    searches,
    store: {
      kind: store.kind,
      collection: store.collection,
      write: (change) => store.write(change),
      search: (query: StoreQuery) => (searches.push(query.mode), store.search(query)),
      getChunks: (ids, filter) => store.getChunks(ids, filter),
      chunksOf: (docId, filter) => store.chunksOf(docId, filter),
      documents: () => store.documents(),
      exportChunks: (options) => store.exportChunks(options),
      dispose: () => store.dispose(),
    },
  };
}

/** The gate as it was: a separate k=1 vector query for the closest visible chunk. */
async function closestScore(store: Store, question: string): Promise<number> {
  const [vector] = await embedder.embed([question]);
  return (await store.search({ mode: 'vector', vector, k: 1 }))[0]?.score ?? -1;
}

const QUESTIONS = [
  'Who built the Quell lighthouse?',
  'Why did copper prices rise?',
  'barley soup thyme',
  'Quantum chromodynamics of gluon plasma?',
  'lighthouses keepers lamps',
];

describe('RAG store queries per question (test kit)', () => {
  it('queries the store once when a hit clears the bar, in hybrid and vector mode', async () => {
    for (const mode of ['hybrid', 'vector'] as const) {
      const { store, searches } = counted(await collection());
      const rag = ragStrategy({
        store,
        embedder,
        generator: scriptedGenerator('Mara Quell [1].'),
        retrieval: { k: 2, mode, minVectorScore: 0.3 },
      });
      const answer = await rag.answer('Who built the Quell lighthouse?');
      expect(answer.abstained, mode).toBe(false);
      expect(searches, mode).toEqual([mode]);
    }
  });

  it('never queries twice in vector mode, also when it abstains', async () => {
    const { store, searches } = counted(await collection());
    const rag = ragStrategy({
      store,
      embedder,
      generator: scriptedGenerator('never said'),
      retrieval: { k: 2, mode: 'vector', minVectorScore: 0.3 },
    });
    expect((await rag.answer('Quantum chromodynamics of gluon plasma?')).abstained).toBe(true);
    expect(searches).toEqual(['vector']);
  });

  it('asks again only when fusion ranked the closest chunk out of the hits, and then decides as before', async () => {
    const store = await collection();
    const question = 'lighthouses keepers lamps';
    // the setting: k=1 hybrid returns the filler chunk (shared word), while the closest chunk clears the bar
    const counting = counted(store);
    const rag = ragStrategy({
      store: counting.store,
      embedder,
      generator: scriptedGenerator('A keeper [1].'),
      retrieval: { k: 1, mode: 'hybrid', minVectorScore: 0.2 },
    });
    const answer = await rag.answer(question);
    expect(answer.retrieved.map((h) => h.docId)).toEqual(['d4.md']);
    expect(answer.retrieved[0]!.vectorScore).toBeLessThan(0.2);
    expect(await closestScore(store, question)).toBeGreaterThanOrEqual(0.2);
    expect(answer.abstained).toBe(false);
    expect(counting.searches).toEqual(['hybrid', 'vector']);
  });

  it('abstains and answers exactly where a separate vector query would have decided so', async () => {
    const store = await collection();
    for (const mode of ['hybrid', 'vector'] as const) {
      for (const minVectorScore of [0.05, 0.2, 0.3, 0.5]) {
        for (const k of [1, 2]) {
          const rag = ragStrategy({
            store,
            embedder,
            generator: scriptedGenerator('An answer [1].'),
            retrieval: { k, mode, minVectorScore },
          });
          for (const question of QUESTIONS) {
            const expected = (await closestScore(store, question)) < minVectorScore;
            expect((await rag.answer(question)).abstained, `${mode} k=${k} min=${minVectorScore}: ${question}`).toBe(
              expected,
            );
          }
        }
      }
    }
  });
});
