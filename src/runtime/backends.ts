import { isAbsolute, dirname, basename } from 'node:path';
import { DEFAULT_EMBEDDER_ID } from '../models/catalog.ts';
import { resolveModel } from '../models/resolve.ts';
import type { Embedder } from '../embed/embedder.ts';
import { OpenAIEmbedder } from '../embed/openai-embedder.ts';
import { TransformersEmbedder } from '../embed/transformers-embedder.ts';
import type { Generator } from '../generate/generator.ts';
import { LlamaGenerator } from '../generate/llama-generator.ts';
import { OpenAIGenerator } from '../generate/openai-generator.ts';
import { loadHostedAdapters } from '../generate/hosted-adapters.ts';
import type { Config } from '../config/config.ts';
import { modelsDir } from '../config/paths.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';

/** Builds the embedder the config names. The caller owns it and disposes it. */
export async function createEmbedder(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<Embedder> {
  const spec = config.embedder;
  if (spec.provider === 'openai') {
    return OpenAIEmbedder.connect({ ...spec, apiKey: spec.apiKeyEnv ? env[spec.apiKeyEnv] : undefined });
  }
  const model = spec.model ?? DEFAULT_EMBEDDER_ID;
  const [dir, id] = isAbsolute(model) ? [dirname(model), basename(model)] : [modelsDir(env), model];
  return TransformersEmbedder.load({ model: id, modelsDir: dir, dtype: spec.dtype });
}

/** Builds the generator the config names, with LoRA adapters by name → GGUF path. */
export async function createGenerator(
  config: Config,
  options: { env?: NodeJS.ProcessEnv; adapters?: Record<string, string> } = {},
): Promise<Generator> {
  const env = options.env ?? process.env;
  const spec = config.generator;
  if (spec.provider === 'openai') {
    const generator = new OpenAIGenerator({ ...spec, apiKey: spec.apiKeyEnv ? env[spec.apiKeyEnv] : undefined });
    if (spec.loadAdapters) await loadHostedAdapters(generator, options.adapters ?? {}, spec.adaptersPathOnServer);
    return generator;
  }
  return LlamaGenerator.load({
    modelPath: resolveModel(spec.model, { env }).path,
    contextSize: spec.contextSize,
    threads: spec.threads,
    adapters: options.adapters,
    maxAdapters: spec.maxAdapters,
    parallel: spec.parallel,
  });
}

/** The local GGUF the config's llama generator loads (a catalog name resolved); undefined for a remote generator. */
export function generatorModelPath(config: Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return config.generator.provider === 'llama' ? resolveModel(config.generator.model, { env }).path : undefined;
}

/** Opens an existing collection with the embedder it was built with. The caller disposes both. */
export async function openCollection(
  config: Config,
  home: string,
  collection: string,
  options: { create?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ store: Store; embedder: Embedder }> {
  const embedder = await createEmbedder(config, options.env);
  try {
    const store = await openStore({
      home,
      collection,
      url: config.store,
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: options.create ?? false,
      cacheMB: config.storeCacheMB,
    });
    return { store, embedder };
  } catch (error) {
    await embedder.dispose();
    throw error;
  }
}

export { adapterGgufPath } from './adapters.ts';
