import { STRATEGY_CATALOG } from './catalog.ts';
import { createStrategy } from './create-strategy.ts';
import { describeStrategyContract } from './strategy.contract.ts';

// every strategy in the catalog, built the one way callers build it, keeps the Strategy contract on the kit
for (const spec of STRATEGY_CATALOG) {
  const adapter = spec.adapter ? `kit-${spec.adapter}` : undefined;
  describeStrategyContract(spec.name, (deps) => createStrategy(spec.name, deps, { adapter, maxTokens: 32 }), {
    collection: spec.collection,
    adapter,
  });
}
