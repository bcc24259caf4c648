import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainerError } from '../errors.ts';
import { PYTHON_DIR } from '../models/python-env.ts';
import { commitAdapter, listAdapters, loadAdapter, removeAdapter, stagingDir, type AdapterMeta } from './adapters.ts';
import { PythonTrainer } from './python-trainer.ts';
import type { TrainConfig } from './trainer.ts';

// failure injection: a fake "python" that ignores the worker script and prints canned lines
async function fakePython(script: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'attune-fake-py-')), 'python');
  await writeFile(path, `#!/bin/sh\ncat > /dev/null\n${script}\n`);
  await chmod(path, 0o755);
  return path;
}
const config = {
  baseDir: '/b',
  trainFile: '/t',
  runDir: '/r',
  outputDir: '/o',
  epochs: 1,
  lr: 1e-4,
  rank: 4,
  alpha: 8,
  dropout: 0,
  batchSize: 1,
  seed: 1,
  patience: 1,
  checkpointEvery: 1,
} satisfies TrainConfig;

describe('PythonTrainer', () => {
  it('turns a worker error event into a one-line TrainerError with a hint and the log path', async () => {
    const python = await fakePython(
      `echo '{"event":"error","kind":"oom","message":"out of memory","log":"/r/train.log"}'; echo 'Traceback...' >&2; exit 1`,
    );
    const error = (await new PythonTrainer({ python }).train(config).catch((e: unknown) => e)) as TrainerError;
    expect(error).toBeInstanceOf(TrainerError);
    expect(error.message).toBe(
      'training failed (oom): out of memory: lower --max-seq-len or the batch size (trace: /r/train.log)',
    );
  });

  it('passes events through and returns the done result', async () => {
    const python = await fakePython(
      [
        `echo 'some stray print'`,
        `echo '{"event":"start","total":2,"step":0,"resumed":true,"train_examples":4,"val_examples":0}'`,
        `echo '{"event":"progress","step":1,"total":2,"loss":2.5,"tokens_per_second":10,"eta_seconds":1}'`,
        `echo '{"event":"done","steps":2,"train_loss":1.5,"val_loss":null,"tokens_per_second":12,"history":[{"step":1,"loss":2.5}],"stopped_early":false}'`,
      ].join('\n'),
    );
    const events: string[] = [];
    const result = await new PythonTrainer({ python }).train(config, { onEvent: (e) => events.push(e.event) });
    expect(events).toEqual(['start', 'progress', 'done']);
    expect(result).toMatchObject({ steps: 2, trainLoss: 1.5, valLoss: null, tokensPerSecond: 12, resumed: true });
  });

  it('kills the worker on abort and says how to resume', async () => {
    const python = await fakePython('exec sleep 30');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(new PythonTrainer({ python }).train(config, { signal: controller.signal })).rejects.toThrow(
      /cancelled; rerun the same command to resume/,
    );
  });

  it('under the launcher, names the failed rank and quotes its log, even when the reporting rank sent an error', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'attune-run-'));
    await mkdir(join(runDir, 'ranks'));
    await writeFile(join(runDir, 'ranks', 'rank-1.log'), 'Loading weights\nstep 3 of rank 1\n');
    // the fake launcher: rank 0 reports its peer vanishing, torchrun names rank 1 as the root cause
    const python = await fakePython(
      [
        `echo "$@" > ${JSON.stringify(join(runDir, 'argv'))}`,
        `echo '{"event":"error","kind":"internal","message":"RuntimeError: Connection closed by peer"}'`,
        `printf 'Root Cause (first observed failure):\\n[0]:\\n  rank      : 1 (local_rank: 1)\\n  exitcode  : -9 (pid: 77)  (SIGKILL)\\n' >&2`,
        'exit 1',
      ].join('\n'),
    );
    const trainer = new PythonTrainer({ python, launch: { processes: 2 } });
    const error = (await trainer.train({ ...config, runDir }).catch((e: unknown) => e)) as TrainerError;
    expect(error).toBeInstanceOf(TrainerError);
    expect(error.message).toBe(
      'training failed: rank 1 of 2 (pid 77) was killed by SIGKILL; its last stderr lines: Loading weights | step 3 of rank 1: rerun the same command to resume from the last checkpoint',
    );
    // every rank reads the config from a file, and the machine's cores are shared by the processes
    const argv = (await readFile(join(runDir, 'argv'), 'utf8')).trim().split(' ');
    expect(argv.slice(0, 3)).toEqual(['-m', 'accelerate.commands.launch', '--multi_gpu']);
    expect(argv.at(-1)).toBe(join(runDir, 'worker-config.json'));
    const written = JSON.parse(await readFile(join(runDir, 'worker-config.json'), 'utf8'));
    expect(written).toMatchObject({ run_dir: runDir, batch_size: 1 });
    expect(written.threads).toBe(Math.max(1, Math.floor(availableParallelism() / 2)));
  });

  it('fails before starting when the python is missing', async () => {
    await expect(new PythonTrainer({ python: '/nonexistent/python' }).train(config)).rejects.toThrow(
      /Python not found at \/nonexistent\/python/,
    );
  });
});

describe("train_worker.classify (the worker's failure kinds)", () => {
  it('names disk full, out of memory, a failed import and bad config', () => {
    // the worker imports only the standard library at module level, so the system python can load it
    const script = [
      'import errno, json, sys',
      `sys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})`,
      'from train_worker import classify',
      'class OutOfMemoryError(RuntimeError): pass',
      'errors = [OSError(errno.ENOSPC, "No space left on device"), OutOfMemoryError("CUDA out of memory"), MemoryError(), ImportError("no torch"), KeyError("train_file"), RuntimeError("boom")]',
      'sys.__stdout__.write(json.dumps([classify(e)[0] for e in errors]))',
    ].join('\n');
    expect(JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }))).toEqual([
      'disk-full',
      'oom',
      'oom',
      'import',
      'bad-config',
      'internal',
    ]);
  });
});

describe('adapter registry', () => {
  it('registers from a staging folder, lists, shows and removes', async () => {
    const home = await mkdtemp(join(tmpdir(), 'attune-adapters-'));
    const staged = await stagingDir(home, 'faq');
    await writeFile(join(staged, 'adapter.gguf'), 'x');
    const meta = { name: 'faq', steps: 3 } as AdapterMeta;
    await commitAdapter(home, staged, meta);
    expect((await listAdapters(home)).map((a) => a.name)).toEqual(['faq']);
    expect((await loadAdapter(home, 'faq')).steps).toBe(3);
    await removeAdapter(home, 'faq');
    expect(await listAdapters(home)).toEqual([]);
    await expect(loadAdapter(home, 'faq')).rejects.toThrow(/unknown adapter "faq"/);
    await expect(loadAdapter(home, '../x')).rejects.toThrow(/not valid/);
  });
});
