import { createRuntime, type RuntimeOptions } from './runtime.ts';

/**
 * `await using` as a library caller on Node >= 24 writes it (the CLI itself uses `withRuntime`, since Node 22
 * lacks the syntax): opens a collection, then fails. Imported only where the syntax runs.
 */
export async function openThenFail(options: RuntimeOptions): Promise<never> {
  await using runtime = createRuntime(options);
  await runtime.collection('docs');
  throw new Error('failed after opening the collection');
}
