import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { errorMessage } from '../errors.ts';
import { ingest } from '../ingest/ingest.ts';
import type { ServerResources } from './resources.ts';

export interface IngestJob {
  id: string;
  collection: string;
  /** Who started it: only this key (or an admin) may read its status. */
  keyId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  files: string[];
  /** The latest progress report from `ingest` (e.g. {done, total, file}). */
  progress: Record<string, unknown> | null;
  result: unknown;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/**
 * Ingest runs in the background, one job at a time (ingest is CPU-heavy on a small machine),
 * while queries keep being served; the client polls the job or follows its event stream.
 */
export class IngestJobs {
  readonly #resources: ServerResources;
  readonly #jobs = new Map<string, IngestJob>();
  #chain: Promise<unknown> = Promise.resolve();
  readonly #listeners = new Set<(job: IngestJob) => void>();

  constructor(resources: ServerResources) {
    this.#resources = resources;
  }

  get(id: string): IngestJob | undefined {
    return this.#jobs.get(id);
  }

  /** Calls `listener` on every change of any job; returns the unsubscribe function. */
  subscribe(listener: (job: IngestJob) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(options: { collection: string; keyId: string; paths: string[]; labels: string[]; tags: string[] }): IngestJob {
    const job: IngestJob = {
      id: randomUUID(),
      collection: options.collection,
      keyId: options.keyId,
      status: 'queued',
      files: options.paths.map((p) => p.split('/').at(-1)!),
      progress: null,
      result: null,
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.#jobs.set(job.id, job);
    // keep the latest 200 jobs: memory stays bounded on a long-running server
    if (this.#jobs.size > 200) this.#jobs.delete(this.#jobs.keys().next().value!);
    this.#chain = this.#chain.then(() => this.#run(job, options)).catch(() => {});
    return job;
  }

  /** Resolves when every job started so far has finished. */
  idle(): Promise<unknown> {
    return this.#chain;
  }

  async #run(job: IngestJob, options: { paths: string[]; labels: string[]; tags: string[] }): Promise<void> {
    this.#update(job, { status: 'running' });
    try {
      const [store, embedder] = await Promise.all([this.#resources.store(job.collection), this.#resources.embedder()]);
      const result = await ingest({
        paths: options.paths,
        store,
        embedder,
        chunking: this.#resources.config.chunking,
        prune: false,
        cacheDir: join(this.#resources.home, 'cache', 'embeddings', job.collection),
        labels: options.labels,
        tags: options.tags,
        onProgress: (progress: unknown) => this.#update(job, { progress: progress as Record<string, unknown> }),
      });
      this.#update(job, { status: 'done', result, finishedAt: new Date().toISOString() });
    } catch (error) {
      this.#update(job, { status: 'failed', error: errorMessage(error), finishedAt: new Date().toISOString() });
    }
  }

  #update(job: IngestJob, change: Partial<IngestJob>): void {
    Object.assign(job, change);
    for (const listener of this.#listeners) listener(job);
  }
}
