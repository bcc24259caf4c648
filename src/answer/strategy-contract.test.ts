import { STRATEGY_CATALOG } from './catalog.ts';
import { createStrategy } from './create-strategy.ts';
import { describeStrategyContract } from './strategy.contract.ts';

// every strategy in the catalog, built the one way callers build it, keeps the Strategy contract on the kit
for (const spec of STRATEGY_CATALOG) {
  const adapter = spec.adapter ? `kit-${spec.adapter}` : undefined;
  // rag-tuned answers with the settings compare tuned, rag-ft-retriever with a re-embedded copy: here the kit's
  // own settings, collection and embedder stand in for them
  describeStrategyContract(
    spec.name,
    (deps) =>
      createStrategy(
        spec.name,
        { ...deps, tunedRetrieval: deps.retrieval, tunedRetriever: { store: deps.store!, embedder: deps.embedder! } },
        { adapter, maxTokens: 32 },
      ),
    {
      collection: spec.collection,
      adapter,
    },
  );
}
