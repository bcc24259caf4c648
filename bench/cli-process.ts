/**
 * The attune CLI as a separate process, for the fault benches (faults-ingest, faults-kill, compare-kill): start
 * it in its own process group, SIGKILL the whole group (node and any Python trainer it started) at a chosen
 * time, and wait for it to end; plus the seeded random numbers the kill times come from.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Ended by our SIGKILL (not by finishing first). */
  killed: boolean;
  ms: number;
  stdout: string;
  /** The last 20,000 characters. */
  stderr: string;
}

export interface CliProcess {
  pid: number;
  /** SIGKILL to the process group: kill -9 of the command and everything it started. */
  kill: () => void;
  done: Promise<CliExit>;
}

const running = new Set<number>();
// a bench stopped with Ctrl-C, kill or an error takes its detached children (own process groups) with it
process.on('exit', () => {
  for (const pid of running) killGroup(pid);
});
for (const [signal, number] of [
  ['SIGINT', 2],
  ['SIGTERM', 15],
] as const)
  process.on(signal, () => process.exit(128 + number));

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts `attune ARGS…`; with `killAfterMs`, kills it (SIGKILL, the whole group) that long after the start. */
export function startCli(args: string[], options: { killAfterMs?: number } = {}): CliProcess {
  const started = performance.now();
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  running.add(pid);
  let killed = false;
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killed = true;
    killGroup(pid);
  };
  const timer = options.killAfterMs === undefined ? undefined : setTimeout(kill, options.killAfterMs);
  const done = new Promise<CliExit>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr!.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(pid);
      // the group may outlive its leader (a trainer between two events): a kill takes it all
      if (killed) killGroup(pid);
      resolve({
        code,
        signal,
        killed: killed && signal === 'SIGKILL',
        ms: performance.now() - started,
        stdout,
        stderr,
      });
    });
  });
  return { pid, kill, done };
}

/** Runs `attune ARGS…` to the end (or to the kill); refuses a run that failed on its own. */
export async function runCli(args: string[], options: { killAfterMs?: number } = {}): Promise<CliExit> {
  const exit = await startCli(args, options).done;
  if (!exit.killed && exit.code !== 0)
    throw new Error(
      `attune ${args.join(' ')} exited with ${exit.code ?? exit.signal}: ${exit.stderr.trim().split('\n').at(-1)}`,
    );
  return exit;
}

/**
 * Uniform numbers in [0, 1) from a seed: the linear congruential generator faults-ingest has always used (its
 * published kill times came from seed 11), kept as it was so they can be reproduced.
 */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The 1-, 5- and 15-minute load averages, for the report (above the core count: other work shared the machine). */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
}
