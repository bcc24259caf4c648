/**
 * One error class per kind of failure (STYLE.md §8): a stable `name`, the offending input,
 * and a message that says what to do next. The CLI prints `message` on one line.
 */
export class AttuneError extends Error {
  readonly input?: string;
  constructor(message: string, options: { input?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.input = options.input;
  }
}

/** Bad flags, config or request bodies: exit code 2 in the CLI, 400 in the server. */
export class UsageError extends AttuneError {
  override name = 'UsageError';
}
/** A file that cannot be read or parsed; `input` is its path. */
export class DocumentError extends AttuneError {
  override name = 'DocumentError';
}
/** A dataset or training-data line that fails validation; message names file:line and field. */
export class DatasetError extends AttuneError {
  override name = 'DatasetError';
}
export class CollectionNotFoundError extends AttuneError {
  override name = 'CollectionNotFoundError';
}
/** A model file that is missing, corrupt or does not match its checksum. */
export class ModelError extends AttuneError {
  override name = 'ModelError';
}
/** A remote endpoint (OpenAI-compatible, Postgres) that failed or timed out. */
export class ProviderError extends AttuneError {
  override name = 'ProviderError';
}
export class StoreError extends AttuneError {
  override name = 'StoreError';
}
/** The Python trainer failed; the message explains, the raw trace is in `cause`. */
export class TrainerError extends AttuneError {
  override name = 'TrainerError';
}
/** SQL refused by validation or failed on the database. */
export class SqlError extends AttuneError {
  override name = 'SqlError';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
/** An adapter whose export parity check failed (see src/tune/parity-judge.ts): refused unless forced. */
export class DegradedAdapterError extends AttuneError {
  override name = 'DegradedAdapterError';
}
