import type { Embedder } from '../embed/embedder.ts';

/** Query vectors kept per embedder instance (a process's queries repeat: the same FAQ, a retried chat). */
const MAX_CACHED = 512;
const caches = new WeakMap<Embedder, Map<string, Promise<Float32Array>>>();

/**
 * The query's embedding, computed once per embedder and text while among the 512 most recently used; a failed
 * embedding is not kept. The vector is shared between callers: treat it as read-only. One caller's abort
 * does not cancel the embedding others may be waiting for (a query embeds in milliseconds); it rejects that
 * caller's promise.
 */
export async function queryVector(embedder: Embedder, query: string, signal?: AbortSignal): Promise<Float32Array> {
  signal?.throwIfAborted();
  const vector = await cachedVector(embedder, query);
  signal?.throwIfAborted();
  return vector;
}

function cachedVector(embedder: Embedder, query: string): Promise<Float32Array> {
  let cache = caches.get(embedder);
  if (!cache) caches.set(embedder, (cache = new Map()));
  const cached = cache.get(query);
  if (cached) {
    // most recently used last: Map keeps insertion order
    cache.delete(query);
    cache.set(query, cached);
    return cached;
  }
  const vector = embedder.embed([query]).then(([first]) => first!);
  cache.set(query, vector);
  vector.catch(() => cache.get(query) === vector && cache.delete(query));
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return vector;
}

/**
 * The same embedder under a new identity, so its query cache starts empty: for benchmarks that time each query
 * cold even when another mode asked it before in the same process.
 */
export function withEmptyQueryCache(embedder: Embedder): Embedder {
  return {
    id: embedder.id,
    dimension: embedder.dimension,
    maxTokens: embedder.maxTokens,
    embed: (texts, options) => embedder.embed(texts, options),
    countTokens: (text) => embedder.countTokens(text),
    dispose: () => embedder.dispose(),
  };
}
