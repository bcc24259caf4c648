import { describe, expect, it } from 'vitest';
import { parseStrategies } from '../compare/setup.ts';
import { TIE_BREAKER } from '../compare/recommend.ts';
import { TrainerError, UsageError } from '../errors.ts';
import { CompareStartRequest, EvalStartRequest } from '../server/schemas.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { MemoryStore } from '../testing/memory-store.ts';
import { scriptedGenerator } from '../testing/scripted-generator.ts';
import {
  ADAPTER_STRATEGIES,
  COLLECTION_STRATEGIES,
  DEFAULT_COMPARE_STRATEGIES,
  parseStrategyNames,
  STRATEGY_CATALOG,
  STRATEGY_NAMES,
  strategySpec,
  tunesRetrieval,
  usesTunedEmbedder,
  isCompareOnly,
} from './catalog.ts';
import { buildStrategies } from './create-strategy.ts';

const embedder = hashingEmbedder();
const retrieval = { k: 2, mode: 'hybrid' as const, minVectorScore: 0.3 };

async function kitDeps(reply = 'Mara Quell [1].') {
  const store = new MemoryStore({ collection: 'kit', dimension: embedder.dimension });
  const [vector] = await embedder.embed(['The Quell lighthouse was built by Mara Quell.']);
  await store.write({
    upsert: [
      {
        chunkId: 'a#0',
        docId: 'a',
        source: 'a.md',
        title: 'a',
        headingPath: [],
        page: null,
        position: 0,
        text: 'The Quell lighthouse was built by Mara Quell.',
        docHash: 'h',
        labels: [],
        tags: [],
        vector: vector!,
      },
    ],
    removeDocIds: [],
  });
  return {
    generator: scriptedGenerator(reply),
    store,
    embedder,
    retrieval,
    tunedRetrieval: retrieval,
    tunedRetriever: { store, embedder },
  };
}

describe('the strategy catalog', () => {
  it('names each strategy once, with a distinct simplicity rank and a description', () => {
    expect(new Set(STRATEGY_NAMES).size).toBe(STRATEGY_CATALOG.length);
    expect(new Set(STRATEGY_CATALOG.map((s) => s.simplicity)).size).toBe(STRATEGY_CATALOG.length);
    for (const spec of STRATEGY_CATALOG) expect(spec.description.length).toBeGreaterThan(10);
    // what the README and the tie-breaker have always said, now read from the table
    expect(STRATEGY_NAMES).toEqual(['base', 'rag', 'rag-tuned', 'rag-ft-retriever', 'ft', 'ft-rag', 'raft']);
    expect(TIE_BREAKER).toContain('base < rag < rag-tuned < rag-ft-retriever < ft < ft-rag < raft');
  });

  it('gives an update path that matches what each strategy uses', () => {
    for (const spec of STRATEGY_CATALOG) {
      if (!spec.collection && !spec.adapter) expect(spec.update).toBe('nothing to update');
      if (spec.collection) expect(spec.update).toContain('re-index');
      if (!spec.collection && spec.adapter) expect(spec.update).toBe('re-train');
    }
    expect(strategySpec('ft-rag').update).toBe('re-index + re-train');
    expect(strategySpec('raft').update).toBe('re-index');
  });

  for (const spec of STRATEGY_CATALOG) {
    it(`buildStrategies builds ${spec.name} on the kit, from its entry alone`, async () => {
      const deps = await kitDeps();
      const [strategy] = buildStrategies([spec.name], deps, {
        adapters: { [spec.name]: 'kit-adapter' },
        maxTokens: 16,
      });
      const answer = await strategy!.answer('Who built the Quell lighthouse?');
      expect(strategy!.name).toBe(spec.name);
      expect(answer.answer).toBe('Mara Quell [1].');
      expect(deps.generator.requests[0]!.adapter).toBe(spec.adapter ? 'kit-adapter' : undefined);
      expect(deps.generator.requests[0]!.maxTokens).toBe(16);
      expect(answer.retrieved.map((hit) => hit.chunkId)).toEqual(spec.collection ? ['a#0'] : []);
      // what the entry needs is refused when missing, with the flag to pass
      if (spec.adapter) expect(() => buildStrategies([spec.name], deps)).toThrow(/needs an adapter/);
      if (spec.collection)
        expect(() =>
          buildStrategies([spec.name], { generator: deps.generator }, { adapters: { [spec.name]: 'a' } }),
        ).toThrow(/needs a collection/);
    });
  }

  it('builds rag-tuned only with tuned settings, and leaves it out of compare’s default strategies', async () => {
    const { tunedRetrieval: _, ...deps } = await kitDeps();
    expect(() => buildStrategies(['rag-tuned'], deps)).toThrow(/attune tune-retrieval/);
    expect(DEFAULT_COMPARE_STRATEGIES).toEqual(
      STRATEGY_NAMES.filter((name) => name !== 'rag-tuned' && name !== 'rag-ft-retriever'),
    );
    expect(tunesRetrieval('rag-tuned')).toBe(true);
    expect(tunesRetrieval('rag')).toBe(false);
  });

  it('builds rag-ft-retriever only with a re-embedded collection, and searches that one with the tuned embedder', async () => {
    const { tunedRetriever: _, ...deps } = await kitDeps();
    expect(() => buildStrategies(['rag-ft-retriever'], deps)).toThrow(/collections reembed/);
    const empty = new MemoryStore({ collection: 'empty', dimension: embedder.dimension });
    const [strategy] = buildStrategies(['rag-ft-retriever'], {
      ...deps,
      tunedRetriever: { store: empty, embedder: deps.embedder },
    });
    // the main collection holds the answer; the tuned copy is empty, so the strategy finds nothing and abstains
    const answer = await strategy!.answer('Who built the Quell lighthouse?');
    expect(answer.retrieved).toEqual([]);
    expect(usesTunedEmbedder('rag-ft-retriever')).toBe(true);
    expect(isCompareOnly('rag-ft-retriever') && isCompareOnly('rag-tuned') && !isCompareOnly('rag')).toBe(true);
  });

  it('builds an unavailable strategy that fails every answer with its reason, and refuses unknown names', async () => {
    const deps = await kitDeps();
    const [ft, rag] = buildStrategies(['ft', 'rag'], deps, {
      unavailable: { ft: new TrainerError('the ft adapter failed to train: boom') },
    });
    await expect(ft!.answer('q')).rejects.toThrow(/failed to train: boom/);
    expect((await rag!.answer('Who built the Quell lighthouse?')).retrieved).toHaveLength(1);
    expect(() => buildStrategies(['rerank'], deps)).toThrow(UsageError);
  });
});

describe('the edges accept exactly the catalog names', () => {
  const question = { id: 'q1', question: 'Who?', answers: ['Mara'] };

  it('the server schemas', () => {
    for (const name of STRATEGY_NAMES) {
      expect(
        EvalStartRequest.safeParse({ strategies: [name], questions: [question], collection: 'kit', adapter: 'a1' })
          .success,
      ).toBe(true);
    }
    expect(EvalStartRequest.safeParse({ strategies: ['rerank'], questions: [question] }).success).toBe(false);
    expect(
      CompareStartRequest.safeParse({ corpus: 'c', questions: 'q', strategies: [...STRATEGY_NAMES] }).success,
    ).toBe(true);
    expect(CompareStartRequest.safeParse({ corpus: 'c', questions: 'q', strategies: ['base', 'rerank'] }).success).toBe(
      false,
    );
    // what each entry needs is checked by the schema: a collection, an adapter
    for (const name of COLLECTION_STRATEGIES) {
      const parsed = EvalStartRequest.safeParse({ strategies: [name], questions: [question], adapter: 'a1' });
      expect(parsed.error?.issues[0]?.path).toEqual(['collection']);
    }
    for (const name of ADAPTER_STRATEGIES) {
      const parsed = EvalStartRequest.safeParse({
        strategies: [name],
        questions: [question],
        collection: 'kit',
        adapters: { [name]: 'a1' },
      });
      expect(parsed.success).toBe(true);
      expect(
        EvalStartRequest.safeParse({ strategies: [name], questions: [question], collection: 'kit' }).error?.issues[0]
          ?.path,
      ).toEqual(['adapters', name]);
    }
  });

  it('the CLI flags (eval, ask and compare --strategies)', () => {
    expect(parseStrategyNames(STRATEGY_NAMES.join(','), '--strategies')).toEqual(STRATEGY_NAMES);
    expect(parseStrategies(` ${STRATEGY_NAMES.join(' , ')} `)).toEqual(STRATEGY_NAMES);
    expect(() => parseStrategyNames('base,rerank', '--strategies')).toThrow(
      '--strategies: unknown strategy "rerank" (known: base, rag, rag-tuned, rag-ft-retriever, ft, ft-rag, raft)',
    );
    expect(() => parseStrategies('base,rerank')).toThrow(UsageError);
  });
});
