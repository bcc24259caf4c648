import { STRATEGY_CATALOG } from './catalog.ts';
import { createStrategy } from './create-strategy.ts';
import { describeStrategyContract } from './strategy.contract.ts';

// every strategy in the catalog, built the one way callers build it, keeps the Strategy contract on the kit
for (const spec of STRATEGY_CATALOG) {
  const adapter = spec.adapter ? `kit-${spec.adapter}` : undefined;
  // rag-tuned answers with the settings compare tuned: here the kit's own settings stand in for them
  const tuned = (spec as { tunesRetrieval?: boolean }).tunesRetrieval;
  describeStrategyContract(
    spec.name,
    (deps) =>
      createStrategy(spec.name, tuned ? { ...deps, tunedRetrieval: deps.retrieval } : deps, { adapter, maxTokens: 32 }),
    {
      collection: spec.collection,
      adapter,
    },
  );
}
