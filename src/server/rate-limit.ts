import { TooManyRequestsError } from './http-errors.ts';

export interface RateLimitOptions {
  /** Requests a key may make at once after being idle. */
  burst: number;
  /** Sustained requests per second per key. */
  perSecond: number;
}

/** A token bucket per key: each request takes a token; tokens refill at `perSecond` up to `burst`. */
export class RateLimiter {
  readonly #options: RateLimitOptions;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #now: () => number;

  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    this.#options = options;
    this.#now = now;
  }

  /** Takes one token for `key` or throws TooManyRequestsError with the seconds until the next one. */
  take(key: string): void {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#options.burst, at: now };
    bucket.tokens = Math.min(this.#options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#options.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.ceil((1 - bucket.tokens) / this.#options.perSecond);
      throw new TooManyRequestsError(
        `rate limit: ${this.#options.perSecond} requests/s per key, burst ${this.#options.burst}`,
        Math.max(1, retryAfter),
      );
    }
    bucket.tokens -= 1;
  }
}
