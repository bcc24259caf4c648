import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TrainerError } from '../errors.ts';

/** One line a Python worker prints on stdout: `{"event": …, …}`; `error` events carry `{kind, message, log?}`. */
export type WorkerEvent = { event: string } & Record<string, unknown>;

export interface WorkerRun {
  python: string;
  /** The script and its arguments (or a launcher's). */
  args: string[];
  /** Written to the worker's stdin, then closed. */
  input: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent: (event: WorkerEvent) => void;
  /** What to do next, by the `kind` of the worker's error event. */
  hints?: Record<string, string>;
  /** The message when `signal` aborts the run. */
  cancelMessage: string;
  /**
   * A failure to report instead of the worker's own error event, from the exit code and the tail of stderr
   * (a launcher names the rank that failed first); undefined keeps the worker's.
   */
  exitFailure?: (
    code: number | null,
    stderr: string,
    workerError: TrainerError | undefined,
  ) => TrainerError | undefined;
}

/**
 * Runs a Python worker that speaks JSON lines: the config on stdin, events on stdout (other lines are ignored),
 * the trace on stderr (its tail is kept as the error's cause). Resolves when it exits 0 without an error event;
 * an abort sends SIGTERM (a launcher passes it on to every rank) and rejects with `cancelMessage`.
 */
export function runWorker(run: WorkerRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.python, run.args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...run.env, PYTHONUNBUFFERED: '1', TOKENIZERS_PARALLELISM: 'false' },
    });
    let stderr = '';
    let failure: TrainerError | undefined;
    let workerError: TrainerError | undefined;
    const abort = (): void => {
      failure = new TrainerError(run.cancelMessage, { cause: run.signal?.reason });
      child.kill('SIGTERM');
    };
    run.signal?.addEventListener('abort', abort, { once: true });
    child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-8000)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let event: WorkerEvent;
      try {
        event = JSON.parse(line) as WorkerEvent;
      } catch {
        return;
      }
      if (event.event !== 'error') return run.onEvent(event);
      const { kind, message, log } = event as unknown as { kind: string; message: string; log?: string };
      const hint = run.hints?.[kind];
      workerError ??= new TrainerError(
        `training failed (${kind}): ${message}${hint ? `: ${hint}` : ''}${log ? ` (trace: ${log})` : ''}`,
        { input: log, cause: stderr },
      );
    });
    child.on('error', (error) => {
      failure ??= new TrainerError(`could not start the trainer ${run.python}: ${error.message}`, { cause: error });
    });
    child.on('close', (code) => {
      run.signal?.removeEventListener('abort', abort);
      if (!failure && code !== 0) failure = run.exitFailure?.(code, stderr, workerError);
      failure ??= workerError;
      if (failure) reject(failure);
      else if (code !== 0)
        reject(
          new TrainerError(`the trainer exited with code ${code}: ${stderr.trim().split('\n').at(-1) ?? 'no output'}`, {
            cause: stderr,
          }),
        );
      else resolve();
    });
    child.stdin.on('error', () => {});
    child.stdin.end(run.input);
  });
}
