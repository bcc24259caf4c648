import { TooManyRequestsError } from './http-errors.ts';

interface Job {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface FairQueueOptions {
  /** Jobs running at once (`attune serve --parallel`, default 1: the local model answers one chat at a time). */
  concurrency: number;
  /** Jobs waiting, over all callers; one more → 429. */
  maxPending: number;
}

/**
 * Runs jobs in turn across callers: round-robin over keys, FIFO within a key, so a caller
 * with many requests cannot starve one with a single request. Bounded: a full queue refuses.
 */
export class FairQueue {
  readonly #options: FairQueueOptions;
  /** Insertion-ordered: the next key to serve is the first one; a served key goes to the back. */
  readonly #waiting = new Map<string, Job[]>();
  #pending = 0;
  #running = 0;

  constructor(options: FairQueueOptions) {
    this.#options = options;
  }

  get pending(): number {
    return this.#pending;
  }

  get running(): number {
    return this.#running;
  }

  /** Throws TooManyRequestsError when a job would be refused (check before starting a response). */
  assertRoom(): void {
    if (this.#pending >= this.#options.maxPending) {
      throw new TooManyRequestsError(
        `the model queue is full (${this.#options.maxPending} waiting): retry later`,
        Math.max(1, Math.ceil(this.#pending / 2)),
      );
    }
  }

  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    try {
      this.assertRoom();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      const list = this.#waiting.get(key) ?? [];
      list.push({ run: job, resolve: resolve as (value: unknown) => void, reject });
      this.#waiting.set(key, list);
      this.#pending++;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.#options.concurrency && this.#pending > 0) {
      const [key, list] = this.#waiting.entries().next().value as [string, Job[]];
      const job = list.shift()!;
      this.#waiting.delete(key);
      if (list.length > 0) this.#waiting.set(key, list); // to the back of the round
      this.#pending--;
      this.#running++;
      job
        .run()
        .then(job.resolve, job.reject)
        .finally(() => {
          this.#running--;
          this.#pump();
        });
    }
  }
}
