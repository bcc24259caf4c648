import { describe, expect, it } from 'vitest';
import { TooManyRequestsError } from './http-errors.ts';
import { Jobs } from './jobs.ts';

describe('Jobs', () => {
  it('never forgets a queued or running job, however many finish after it', async () => {
    const jobs = new Jobs({ keepFinished: 3, maxPerLane: 1000 });
    let release!: () => void;
    const running = jobs.start(
      { kind: 'ingest', keyId: 'k' },
      'slow',
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const queued = jobs.start({ kind: 'ingest', keyId: 'k' }, 'slow', async () => 'second');
    const quick = Array.from({ length: 250 }, () => jobs.start({ kind: 'eval', keyId: 'k' }, 'fast', async () => 1));
    await Promise.all(
      quick.map(
        (job) =>
          new Promise<void>((resolve) => {
            const check = () => (job.status === 'done' ? resolve() : setTimeout(check, 1));
            check();
          }),
      ),
    );
    expect(jobs.get(running.id)?.status).toBe('running');
    expect(jobs.get(queued.id)?.status).toBe('queued');
    expect(quick.filter((job) => jobs.get(job.id)).length).toBe(3); // only the latest finished are kept
    release();
    await jobs.idle();
    expect(jobs.get(queued.id)?.result).toBe('second');
  });

  it('refuses a job beyond the lane bound with 429 and takes one again when a job finishes', async () => {
    const jobs = new Jobs({ maxPerLane: 2 });
    let release!: () => void;
    jobs.start({ kind: 'ingest', keyId: 'k' }, 'ingest', () => new Promise<void>((resolve) => (release = resolve)));
    jobs.start({ kind: 'ingest', keyId: 'k' }, 'ingest', async () => 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(() => jobs.start({ kind: 'ingest', keyId: 'k' }, 'ingest', async () => 1)).toThrow(TooManyRequestsError);
    release();
    await jobs.idle();
    expect(jobs.start({ kind: 'ingest', keyId: 'k' }, 'ingest', async () => 1).status).toBe('queued');
    await jobs.idle();
  });
});
