import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, TrainerError } from '../errors.ts';
import { listAdapters } from './adapters.ts';
import type { TrainEvent, Trainer } from './trainer.ts';
import { tune } from './tune.ts';
import { TOY_FACTS, toyFactsJsonl } from '../testing/toy-facts.ts';

export interface TrainerContractOptions {
  make: () => Promise<Trainer>;
  /** The base model `tune` gets (a .gguf file or a model folder). */
  base: string;
}

/**
 * The contract every Trainer passes (STYLE.md §12), through `tune` as the CLI and compare use it:
 * it trains a tiny run and reports progress as events, `tune` refuses bad data before the trainer
 * runs, an abort stops training with a TrainerError, and a failed or cancelled run registers no
 * adapter and leaves no staging folder. Kept to 2 optimiser steps on 8 short examples.
 */
export function describeTrainerContract(name: string, options: TrainerContractOptions): void {
  describe(`Trainer contract: ${name}`, () => {
    let home: string;
    let data: string;
    let trainer: Trainer;
    const small = { maxSteps: 2, epochs: 1, batchSize: 2, maxSeqLen: 64, lr: 1e-3, rank: 4 };
    const staging = async () =>
      (await readdir(join(home, 'adapters')).catch(() => [])).filter((entry) => entry.startsWith('.staging'));

    beforeAll(async () => {
      home = await mkdtemp(join(tmpdir(), 'attune-trainer-contract-'));
      data = join(home, 'facts.jsonl');
      await writeFile(data, toyFactsJsonl(2 * TOY_FACTS.length));
      trainer = await options.make();
    });
    afterAll(async () => {
      if (home) await rm(home, { recursive: true, force: true });
    });

    it('has an id and counts the tokens of every example', async () => {
      expect(trainer.id).toMatch(/\S/);
      const lengths = await trainer.tokenLengths({
        ...baseOf(options.base),
        trainFile: data,
        runDir: join(home, 'stats'),
      });
      expect(lengths).toHaveLength(8);
      expect(lengths.every((n) => Number.isInteger(n) && n > 5)).toBe(true);
      expect(lengths[0]).toBe(lengths[4]);
    });

    it('trains a tiny run, emitting start, progress and done in order, and tune registers the adapter', async () => {
      const events: TrainEvent[] = [];
      const result = await tune({
        home,
        name: 'tiny',
        data,
        base: options.base,
        trainer,
        ...small,
        // the contract is the trainer's events and the registration; the export parity check has its own tests
        parity: false,
        onEvent: (event) => events.push(event),
      });
      const kinds = events.map((event) => event.event);
      expect(kinds[0]).toBe('start');
      expect(kinds.at(-1)).toBe('done');
      const progress = events.filter((event) => event.event === 'progress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.map((event) => event.step)).toEqual(
        [...progress.map((event) => event.step)].sort((a, b) => a - b),
      );
      expect(progress.every((event) => Number.isFinite(event.loss) && event.loss > 0 && event.total === 2)).toBe(true);
      expect(result.steps).toBe(2);
      expect(Number.isFinite(result.trainLoss)).toBe(true);
      expect(existsSync(result.adapterGguf)).toBe(true);
      expect((await listAdapters(home)).map((adapter) => adapter.name)).toEqual(['tiny']);
      expect(await staging()).toEqual([]);
    });

    it('refuses invalid training data before the trainer runs', async () => {
      const bad = join(home, 'bad.jsonl');
      await writeFile(bad, '{"messages": [{"role": "user", "content": "only a question"}]}\nnot json\n');
      let calls = 0;
      const watched: Trainer = {
        id: trainer.id,
        tokenLengths: (...args) => (calls++, trainer.tokenLengths(...args)),
        train: (...args) => (calls++, trainer.train(...args)),
      };
      await expect(
        tune({ home, name: 'bad', data: bad, base: options.base, trainer: watched, ...small }),
      ).rejects.toThrow(DatasetError);
      expect(calls).toBe(0);
    });

    it('stops on abort with a TrainerError, and a cancelled run registers nothing', async () => {
      const controller = new AbortController();
      const failure = await tune({
        home,
        name: 'cancelled',
        data,
        base: options.base,
        trainer,
        ...small,
        maxSteps: 50,
        signal: controller.signal,
        onEvent: (event) => event.event === 'start' && controller.abort(new Error('user cancelled')),
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TrainerError);
      expect((failure as Error).message).not.toContain('\n');
      expect((await listAdapters(home)).map((adapter) => adapter.name)).toEqual(['tiny']);
      expect(await staging()).toEqual([]);
    });

    it('fails with a one-line TrainerError on a training file it cannot read', async () => {
      const runDir = join(home, 'missing-run');
      const failure = await trainer
        .train({
          ...baseOf(options.base),
          trainFile: join(home, 'does-not-exist.jsonl'),
          runDir,
          outputDir: join(home, 'missing-out'),
          epochs: 1,
          lr: 1e-3,
          rank: 4,
          alpha: 8,
          dropout: 0,
          maxSteps: 1,
          batchSize: 1,
          seed: 1,
          patience: 1,
          checkpointEvery: 1,
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TrainerError);
      expect((failure as Error).message).not.toContain('\n');
      expect(existsSync(join(home, 'missing-out', 'adapter.gguf'))).toBe(false);
    });
  });
}

/** What `tune` derives from `--base`: the model folder, and the GGUF file name when given one. */
function baseOf(base: string): { baseDir: string; ggufFile?: string } {
  if (!base.endsWith('.gguf')) return { baseDir: base };
  const slash = base.lastIndexOf('/');
  return { baseDir: base.slice(0, slash), ggufFile: base.slice(slash + 1) };
}
