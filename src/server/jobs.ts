import { randomUUID } from 'node:crypto';
import { errorMessage } from '../errors.ts';
import { TooManyRequestsError } from './http-errors.ts';

export type JobKind = 'ingest' | 'eval' | 'compare';

export interface Job {
  id: string;
  kind: JobKind;
  /** The collection it works on (ingest, eval over a collection); null otherwise. */
  collection: string | null;
  /** The eval run or compare result it produces; null for ingest. */
  runId: string | null;
  /** Who started it: only this key (or an admin) may read its status. */
  keyId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  /** Uploaded file names (ingest). */
  files: string[];
  /** The latest progress report (e.g. {done, total}). */
  progress: Record<string, unknown> | null;
  result: unknown;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface JobContext {
  report(progress: Record<string, unknown>): void;
  /** Aborted when the server shuts down. */
  signal: AbortSignal;
}

export type JobTask = (context: JobContext) => Promise<unknown>;

/** Ingest jobs run one at a time in this lane. */
export const INGEST_LANE = 'ingest';
/** Evaluation and compare runs share this lane: at most one model job in the background. */
export const MODEL_LANE = 'model';

/**
 * Background work, one job at a time per lane (ingest is CPU-heavy, model jobs hold the model), while
 * queries keep being served; clients poll `GET /v1/jobs/:id` or follow `/v1/jobs/:id/events`.
 */
export interface JobsOptions {
  /** Finished jobs kept for their status (oldest dropped first); queued and running jobs are never dropped. */
  keepFinished?: number;
  /** Jobs queued or running in one lane; one more → 429. */
  maxPerLane?: number;
}

export class Jobs {
  readonly #jobs = new Map<string, Job>();
  readonly #keepFinished: number;
  readonly #maxPerLane: number;
  /** Ids of finished jobs, oldest first. */
  readonly #finished: string[] = [];
  readonly #lanes = new Map<string, { chain: Promise<unknown>; active: number }>();
  readonly #listeners = new Set<(job: Job) => void>();
  readonly #abort = new AbortController();

  constructor(options: JobsOptions = {}) {
    this.#keepFinished = options.keepFinished ?? 200;
    this.#maxPerLane = options.maxPerLane ?? 16;
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  /** The latest job that produces `runId` (an eval run or a compare result). */
  forRun(runId: string): Job | undefined {
    return [...this.#jobs.values()].reverse().find((job) => job.runId === runId);
  }

  /** True while a job of `lane` is queued or running. */
  busy(lane: string): boolean {
    return (this.#lanes.get(lane)?.active ?? 0) > 0;
  }

  /** Calls `listener` on every change of any job; returns the unsubscribe function. */
  subscribe(listener: (job: Job) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(
    init: Pick<Job, 'kind' | 'keyId'> & Partial<Pick<Job, 'collection' | 'runId' | 'files'>>,
    lane: string,
    task: JobTask,
  ): Job {
    const active = this.#lanes.get(lane)?.active ?? 0;
    if (active >= this.#maxPerLane)
      throw new TooManyRequestsError(
        `${active} ${lane} jobs are already queued or running: retry when one has finished`,
        30,
      );
    const job: Job = {
      id: randomUUID(),
      kind: init.kind,
      collection: init.collection ?? null,
      runId: init.runId ?? null,
      keyId: init.keyId,
      status: 'queued',
      files: init.files ?? [],
      progress: null,
      result: null,
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    this.#jobs.set(job.id, job);
    const state = this.#lanes.get(lane) ?? { chain: Promise.resolve(), active: 0 };
    this.#lanes.set(lane, state);
    state.active++;
    state.chain = state.chain.then(() => this.#run(job, task)).finally(() => state.active--);
    return job;
  }

  /** Resolves when every job started so far has finished. */
  idle(): Promise<unknown> {
    return Promise.all([...this.#lanes.values()].map((lane) => lane.chain));
  }

  /** Aborts what is running (an interrupted eval run can be resumed with `attune eval --resume`) and waits. */
  async close(): Promise<void> {
    this.#abort.abort(new Error('the server is shutting down'));
    await this.idle();
  }

  async #run(job: Job, task: JobTask): Promise<void> {
    if (this.#abort.signal.aborted)
      return this.#update(job, {
        status: 'failed',
        error: 'the server is shutting down',
        finishedAt: new Date().toISOString(),
      });
    this.#update(job, { status: 'running' });
    try {
      const result = await task({ report: (progress) => this.#update(job, { progress }), signal: this.#abort.signal });
      this.#update(job, { status: 'done', result, finishedAt: new Date().toISOString() });
    } catch (error) {
      this.#update(job, { status: 'failed', error: errorMessage(error), finishedAt: new Date().toISOString() });
    }
  }

  #update(job: Job, change: Partial<Job>): void {
    Object.assign(job, change);
    for (const listener of this.#listeners) listener(job);
    if (change.finishedAt) {
      this.#finished.push(job.id);
      this.#evictFinished();
    }
  }

  /** Memory stays bounded on a long-running server, and a job still queued or running is never forgotten. */
  #evictFinished(): void {
    while (this.#finished.length > this.#keepFinished) this.#jobs.delete(this.#finished.shift()!);
  }
}

/** What a client sees of a job: everything but the key that started it. */
export function publicJob(job: Job) {
  const { keyId: _keyId, ...rest } = job;
  return rest;
}
