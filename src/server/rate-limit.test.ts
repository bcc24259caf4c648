import { describe, expect, it } from 'vitest';
import { TooManyRequestsError } from './http-errors.ts';
import { RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with Retry-After, then refills per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 3, perSecond: 0.5 }, () => now);
    for (let i = 0; i < 3; i++) limiter.take('a');
    let refused: unknown;
    try {
      limiter.take('a');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect((refused as TooManyRequestsError).retryAfterSeconds).toBe(2);
    limiter.take('b'); // another key has its own bucket
    now = 2000;
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(TooManyRequestsError);
  });
});
