import type { Config } from '../config/config.ts';

/**
 * The model `attune sql` answers with when none is named. On the template-disjoint GeoQuery query split
 * (BENCHMARKS.md, "Model catalog", 2026-12-02) Qwen2.5-Coder-0.5B-Instruct got 12 of 40 right against 2 of 40
 * for the general default SmolLM2-135M; `npm run demo` runs no SQL, so its 15-minute budget does not bind here.
 */
export const SQL_DEFAULT_MODEL = 'qwen2.5-coder-0.5b';

/**
 * The configuration `attune sql` generates with: the user's model when one is set (`--model`, or
 * `generator.model` in the config file) or the provider is hosted. With an adapter (an adapter only fits the base
 * it was trained on): its registered base, or, for an adapter file whose base is unknown, the general default.
 * Otherwise SQL_DEFAULT_MODEL.
 */
export function sqlGeneratorConfig(config: Config, adapter?: { baseModel?: string }): Config {
  const generator = config.generator;
  if (generator.provider !== 'llama' || generator.model) return config;
  if (adapter && !adapter.baseModel) return config;
  return { ...config, generator: { ...generator, model: adapter?.baseModel ?? SQL_DEFAULT_MODEL } };
}
