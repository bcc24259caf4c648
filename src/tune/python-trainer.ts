import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../config/paths.ts';
import { TrainerError } from '../errors.ts';
import { PYTHON_DIR } from '../models/python-env.ts';
import {
  describeRankFailure,
  isDistributed,
  launchArguments,
  parseRankFailure,
  rankLogTail,
  rendezvousPort,
  type TrainingLaunch,
} from './launch.ts';
import type {
  ReferenceGenerateConfig,
  ReferenceGeneration,
  TrainConfig,
  TrainEvent,
  Trainer,
  TrainResult,
} from './trainer.ts';
import { runWorker } from './worker-process.ts';

const ERROR_HINTS: Record<string, string> = {
  import: 'reinstall the worker environment (delete the venv under ~/.cache/attune and rerun)',
  oom: 'lower --max-seq-len or the batch size',
  'disk-full': 'free disk space; the run resumes from its last checkpoint',
  'bad-config': 'check the base model and training data',
};

/**
 * Trains with python/train_worker.py (PyTorch + PEFT) in a child process speaking JSON lines; with a
 * distributed `launch` (processes > 1 or several machines), under `accelerate launch` (see launch.ts).
 */
export class PythonTrainer implements Trainer {
  readonly id = 'python-peft';
  readonly #python: string;
  readonly #cacheDir: string | undefined;
  readonly #env: NodeJS.ProcessEnv;
  readonly #launch: TrainingLaunch | undefined;

  /** cacheDir: where a GGUF base's dequantised copy is kept (default: attune's cache, like the models; null: none). */
  constructor(options: {
    python: string;
    cacheDir?: string | null;
    env?: NodeJS.ProcessEnv;
    launch?: TrainingLaunch;
  }) {
    this.#python = options.python;
    this.#env = options.env ?? process.env;
    this.#cacheDir = options.cacheDir === null ? undefined : (options.cacheDir ?? cacheDir(this.#env));
    this.#launch = options.launch;
  }

  async tokenLengths(
    config: Pick<TrainConfig, 'baseDir' | 'ggufFile' | 'trainFile' | 'runDir'>,
    options: { signal?: AbortSignal } = {},
  ): Promise<number[]> {
    let lengths: number[] | undefined;
    await this.#run(
      {
        mode: 'stats',
        base_dir: config.baseDir,
        gguf_file: config.ggufFile,
        cache_dir: this.#cacheDir,
        train_file: config.trainFile,
        run_dir: config.runDir,
      },
      options.signal,
      (event) => {
        if ((event as { event: string }).event === 'stats')
          lengths = (event as unknown as { lengths: number[] }).lengths;
      },
    );
    if (!lengths) throw new TrainerError('the trainer returned no token statistics');
    return lengths;
  }

  async train(
    config: TrainConfig,
    options: { signal?: AbortSignal; onEvent?: (event: TrainEvent) => void } = {},
  ): Promise<TrainResult> {
    let done: Extract<TrainEvent, { event: 'done' }> | undefined;
    let resumed = false;
    await this.#run(
      {
        base_dir: config.baseDir,
        gguf_file: config.ggufFile,
        cache_dir: this.#cacheDir,
        train_file: config.trainFile,
        val_file: config.valFile,
        run_dir: config.runDir,
        output_dir: config.outputDir,
        epochs: config.epochs,
        lr: config.lr,
        rank: config.rank,
        alpha: config.alpha,
        dropout: config.dropout,
        max_steps: config.maxSteps,
        batch_size: config.batchSize,
        seed: config.seed,
        patience: config.patience,
        checkpoint_every: config.checkpointEvery,
        eval_every: config.evalEvery,
        // the machine's cores are shared by its processes
        threads: config.threads ?? Math.max(1, Math.floor(availableParallelism() / (this.#launch?.processes ?? 1))),
        mixed_precision: this.#launch?.mixedPrecision,
        sharding: this.#launch?.sharding,
        quantize: config.quantize,
      },
      options.signal,
      (event) => {
        if (event.event === 'start') resumed = event.resumed;
        if (event.event === 'done') done = event;
        options.onEvent?.(event);
      },
      isDistributed(this.#launch) ? this.#launch : undefined,
    );
    if (!done) throw new TrainerError('the trainer exited without a result');
    return {
      steps: done.steps,
      trainLoss: done.train_loss,
      valLoss: done.val_loss,
      tokensPerSecond: done.tokens_per_second,
      history: done.history,
      stoppedEarly: done.stopped_early,
      resumed,
      peakRssMb: done.peak_rss_mb,
      processes: done.processes ?? 1,
    };
  }

  async generate(
    config: ReferenceGenerateConfig,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReferenceGeneration> {
    let generated:
      | { outputs: { text: string; prompt_tokens: number[] }[]; chat_template: string | null; eos_token: string | null }
      | undefined;
    await this.#run(
      {
        mode: 'generate',
        base_dir: config.baseDir,
        gguf_file: config.ggufFile,
        cache_dir: this.#cacheDir,
        adapter_dir: config.adapterDir,
        prompts: config.prompts,
        max_new_tokens: config.maxNewTokens,
        threads: availableParallelism(),
      },
      options.signal,
      (event) => {
        if ((event as { event: string }).event === 'generated') generated = event as unknown as typeof generated;
      },
    );
    if (!generated) throw new TrainerError('the trainer returned no generations');
    return {
      outputs: generated.outputs.map((o) => ({ text: o.text, promptTokens: o.prompt_tokens })),
      chatTemplate: generated.chat_template ?? null,
      eosToken: generated.eos_token ?? null,
    };
  }

  async #run(
    config: Record<string, unknown>,
    signal: AbortSignal | undefined,
    onEvent: (event: TrainEvent) => void,
    launch?: TrainingLaunch,
  ): Promise<void> {
    if (!existsSync(this.#python))
      throw new TrainerError(
        `Python not found at ${this.#python}: run attune once online to create the worker environment, or set ATTUNE_PYTHON`,
        { input: this.#python },
      );
    if (signal?.aborted) throw new TrainerError('training was cancelled', { cause: signal.reason });
    const worker = join(PYTHON_DIR, 'train_worker.py');
    let args = [worker];
    if (launch) {
      // every rank reads the config from a file: stdin would reach one of them at most
      const runDir = String(config.run_dir);
      await mkdir(runDir, { recursive: true });
      const configFile = join(runDir, 'worker-config.json');
      await writeFile(configFile, JSON.stringify(config));
      args = [...launchArguments(launch, await rendezvousPort(launch)), worker, configFile];
    }
    return runWorker({
      python: this.#python,
      args,
      input: launch ? '' : `${JSON.stringify(config)}\n`,
      env: this.#env,
      signal,
      onEvent: (event) => onEvent(event as TrainEvent),
      hints: ERROR_HINTS,
      cancelMessage: 'training was cancelled; rerun the same command to resume from the last checkpoint',
      // under the launcher, a rank other than the reporting one may be the root cause (the reporter then
      // only sees its peer vanish): name that rank and quote its last lines
      exitFailure: (_code, stderr, workerError) => {
        const rankFailure = launch ? parseRankFailure(stderr) : undefined;
        if (!rankFailure || (rankFailure.rank === 0 && workerError)) return undefined;
        const processes = (launch?.processes ?? 1) * (launch?.numMachines ?? 1);
        return new TrainerError(
          describeRankFailure(rankFailure, processes, rankLogTail(String(config.run_dir), rankFailure.rank)),
          { input: join(String(config.run_dir), 'ranks', `rank-${rankFailure.rank}.log`), cause: stderr },
        );
      },
    });
  }
}
