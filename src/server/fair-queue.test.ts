import { describe, expect, it } from 'vitest';
import { FairQueue } from './fair-queue.ts';
import { TooManyRequestsError } from './http-errors.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('FairQueue', () => {
  it('serves keys round-robin so a busy key cannot starve a quiet one', async () => {
    const queue = new FairQueue({ concurrency: 1, maxPending: 100 });
    const order: string[] = [];
    const gate = deferred();
    const first = queue.run('busy', async () => {
      await gate.promise;
      order.push('busy0');
    });
    const jobs = [first];
    for (let i = 1; i <= 4; i++)
      jobs.push(
        queue.run('busy', async () => {
          order.push(`busy${i}`);
        }),
      );
    jobs.push(
      queue.run('quiet', async () => {
        order.push('quiet0');
      }),
    );
    jobs.push(
      queue.run('other', async () => {
        order.push('other0');
      }),
    );
    gate.resolve();
    await Promise.all(jobs);
    expect(order).toEqual(['busy0', 'busy1', 'quiet0', 'other0', 'busy2', 'busy3', 'busy4']);
  });

  it('refuses with 429 when the waiting line is full and recovers after', async () => {
    const queue = new FairQueue({ concurrency: 1, maxPending: 2 });
    const gate = deferred();
    const running = queue.run('a', () => gate.promise);
    const waiting = [queue.run('a', async () => 1), queue.run('b', async () => 2)];
    await expect(queue.run('c', async () => 3)).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(() => queue.assertRoom()).toThrow(/queue is full/);
    gate.resolve();
    await running;
    expect(await Promise.all(waiting)).toEqual([1, 2]);
    expect(await queue.run('c', async () => 3)).toBe(3);
  });

  it('a failing job rejects only its caller', async () => {
    const queue = new FairQueue({ concurrency: 1, maxPending: 10 });
    const failed = queue.run('a', async () => {
      throw new Error('boom');
    });
    const ok = queue.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    expect(await ok).toBe('ok');
    expect(queue.pending + queue.running).toBe(0);
  });
});
