import { constants } from 'node:os';

/**
 * Calls `onInterrupt` on the first of `signals` (Ctrl-C by default) until the returned function removes it; a
 * second signal exits at once (128 + its number), for when the cleanup itself hangs.
 *
 * Installed with `process.on`, never `process.once`: signal-exit (loaded by a dependency, node-llama-cpp's
 * proper-lockfile) re-sends the signal to kill the process when it finds no listener but its own, and a `once`
 * listener is removed before it runs, so the cleanup it started was cut off mid-way.
 */
export function handleInterrupt(onInterrupt: () => void, signals: NodeJS.Signals[] = ['SIGINT']): () => void {
  let interrupted = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(128 + (constants.signals[signal] ?? 0));
    interrupted = true;
    onInterrupt();
  };
  for (const signal of signals) process.on(signal, listener);
  return () => {
    for (const signal of signals) process.off(signal, listener);
  };
}
