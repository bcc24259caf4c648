import { basename, dirname, join } from 'node:path';
import { ingest } from '../ingest/ingest.ts';
import { INGEST_LANE, type Job, type Jobs } from './jobs.ts';
import type { Runtime } from '../runtime/runtime.ts';

/**
 * Ingests uploaded files in the background, one ingest at a time (ingest is CPU-heavy on a small machine).
 * Ingest is atomic, so a job aborted by a shutdown leaves the collection as it was.
 */
export function startIngestJob(
  jobs: Jobs,
  resources: Runtime,
  options: { collection: string; keyId: string; paths: string[]; labels: string[]; tags: string[] },
): Job {
  const files = options.paths.map((p) => p.split('/').at(-1)!);
  return jobs.start(
    { kind: 'ingest', collection: options.collection, keyId: options.keyId, files },
    INGEST_LANE,
    async ({ report, signal }) => {
      const [store, embedder] = await Promise.all([resources.store(options.collection), resources.embedder()]);
      const result = await ingest({
        paths: options.paths,
        // uploads are flat: their ids are their file names
        idRoot: dirname(options.paths[0]!),
        store,
        embedder,
        chunking: resources.config.chunking,
        prune: false,
        cacheDir: join(resources.home, 'cache', 'embeddings', options.collection),
        labels: options.labels,
        tags: options.tags,
        signal,
        onProgress: (progress: unknown) => report(progress as Record<string, unknown>),
      });
      // the job's client sees file names, not where the server keeps them
      return {
        ...result,
        failed: result.failed.map((f) => ({ ...f, path: basename(f.path) })),
        skipped: result.skipped.map((path) => basename(path)),
      };
    },
  );
}
