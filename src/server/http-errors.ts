import { AttuneError } from '../errors.ts';

/** No key, or a key that does not verify: 401 with no data. */
export class AuthError extends AttuneError {
  override name = 'AuthError';
}
/** A valid key used outside its collections or operations: 403 with no data. */
export class ForbiddenError extends AttuneError {
  override name = 'ForbiddenError';
}
/** The model queue is full or the key's rate limit is spent: 429 with Retry-After. */
export class TooManyRequestsError extends AttuneError {
  override name = 'TooManyRequestsError';
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** A route or resource that does not exist (or is hidden from this key). */
export class NotFoundError extends AttuneError {
  override name = 'NotFoundError';
}
/** A feature this build does not provide yet. */
export class NotImplementedError extends AttuneError {
  override name = 'NotImplementedError';
}
/** An upload refused by size, type or name. */
export class UploadError extends AttuneError {
  override name = 'UploadError';
  readonly status: 400 | 413 | 415;
  constructor(message: string, status: 400 | 413 | 415) {
    super(message);
    this.status = status;
  }
}
