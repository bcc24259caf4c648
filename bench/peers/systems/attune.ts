import { join } from 'node:path';
import { parseConfig } from '../../../src/config/config.ts';
import { ingest } from '../../../src/ingest/ingest.ts';
import type { Embedder } from '../../../src/embed/embedder.ts';
import { withEmptyQueryCache } from '../../../src/retrieve/query-vectors.ts';
import { retrieve } from '../../../src/retrieve/retrieve.ts';
import { openCollection } from '../../../src/runtime/backends.ts';
import type { SystemFactory } from '../system.ts';

/** attune with its default config (chunking, LanceDB store, default hybrid fusion), searched in `vector` and `hybrid` mode. */
export const createSystem: SystemFactory = async ({ scratchDir, k }) => {
  const config = parseConfig({});
  const { store, embedder } = await openCollection(config, join(scratchDir, 'home'), 'bench', { create: true });
  const cold: Record<string, Embedder> = {};
  return {
    async ingest(corpusDir, onProgress) {
      const result = await ingest({
        paths: [corpusDir],
        store,
        embedder,
        chunking: config.chunking,
        cacheDir: join(scratchDir, 'cache'),
        onProgress: ({ phase, done, total }) => phase === 'embed' && onProgress(done, total),
      });
      if (result.failed.length > 0) throw new Error(`attune could not ingest ${result.failed[0]!.path}`);
      return { chunks: result.chunks };
    },
    async search(query, mode) {
      // each mode times its queries cold: attune caches query vectors per embedder, and both modes ask the same
      const { hits } = await retrieve(store, (cold[mode] ??= withEmptyQueryCache(embedder)), query, {
        k,
        mode: mode === 'hybrid' ? 'hybrid' : 'vector',
      });
      return hits.map((hit) => ({ docId: hit.docId, score: hit.score }));
    },
    async dispose() {
      await store.dispose();
      await embedder.dispose();
    },
  };
};
