import { setTimeout as sleep } from 'node:timers/promises';
import type { Strategy } from '../answer/strategy.ts';
import type { Generator } from '../generate/generator.ts';
import type { FairQueue } from './fair-queue.ts';
import { TooManyRequestsError } from './http-errors.ts';
import { MODEL_LANE, type Jobs } from './jobs.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { ReportLinks } from './report-pages.ts';

/** What the evaluation and comparison routes and their background jobs share. */
export interface ModelJobContext {
  resources: Runtime;
  /** The chat queue: a job's model calls wait their turn beside chat requests. */
  queue: FairQueue;
  jobs: Jobs;
  links: ReportLinks;
  /** Folders a request may name files in (see data-roots.ts). */
  dataRoots: string[];
}

/** One evaluation or comparison at a time: 429 while one is queued or running. */
export function assertModelLaneFree(jobs: Jobs): void {
  if (jobs.busy(MODEL_LANE))
    throw new TooManyRequestsError(
      'an evaluation or comparison is already running: retry when its job has finished',
      30,
    );
}

/** Runs `task` in the model queue under `key`; background work waits while the queue is full instead of failing. */
export async function whenQueued<T>(
  queue: FairQueue,
  key: string,
  task: () => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    try {
      return await queue.run(key, task);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      await sleep(error.retryAfterSeconds * 1000, undefined, { signal });
    }
  }
}

/** The strategy with each answer taken in turn with chat; the queue wait is outside the answer's own timings. */
export function queuedStrategy(strategy: Strategy, queue: FairQueue, key: string, signal: AbortSignal): Strategy {
  return {
    name: strategy.name,
    answer: (question, options) => whenQueued(queue, key, () => strategy.answer(question, options), signal),
  };
}

/** The shared generator as a judge whose calls go through the queue; disposing it leaves the shared one alone. */
export function queuedGenerator(generator: Generator, queue: FairQueue, key: string, signal: AbortSignal): Generator {
  return {
    id: generator.id,
    contextSize: generator.contextSize,
    generate: (request) => whenQueued(queue, key, () => generator.generate(request), signal),
    countTokens: (text) => generator.countTokens(text),
    dispose: async () => {},
  };
}
