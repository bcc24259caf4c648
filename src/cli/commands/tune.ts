import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import { ensurePythonEnv } from '../../models/python-env.ts';
import { resolveModel } from '../../models/resolve.ts';
import { PythonTrainer } from '../../tune/python-trainer.ts';
import { describeParity } from '../../tune/parity-judge.ts';
import { tune } from '../../tune/tune.ts';
import { cliContext, MODEL_FLAG, output } from '../context.ts';
import { progressBar } from '../progress.ts';
import { TuneSettingsSchema } from '../../tune/settings-schema.ts';
import { resolveLaunch, TrainingLaunchFields } from '../../tune/launch.ts';
import { parseSettingsFlags } from '../flags.ts';
import { handleInterrupt } from '../interrupt.ts';

interface TuneFlags {
  data: string;
  name: string;
  base?: string;
  model?: string;
  epochs?: string;
  lr?: string;
  rank?: string;
  maxSteps?: string;
  maxSeqLen?: string;
  batchSize?: string;
  checkpointEvery?: string;
  json?: boolean;
  dataCollections?: string;
  dataLabels?: string;
  parity?: boolean;
  processes?: string;
  mixedPrecision?: string;
  sharding?: string;
  quantize?: string;
  numMachines?: string;
  machineRank?: string;
  mainProcessIp?: string;
  mainProcessPort?: string;
  accelerateConfig?: string;
}

export function registerTune(program: Command): void {
  program
    .command('tune')
    .description(
      'LoRA fine-tuning (PyTorch + PEFT) from chat, instruction or question/answer JSONL; registers adapters/<name>',
    )
    .requiredOption('--data <file>', 'JSONL: {messages}, {instruction, input?, output} or {question, answer} per line')
    .requiredOption('--name <name>', 'adapter name (for `attune ask --adapter NAME`)')
    .option(
      MODEL_FLAG,
      'base model: a catalog name (`attune models list`), a .gguf file or a Hugging Face causal-LM folder (default: the configured generator.model, so the adapter fits the model that serves it)',
    )
    .option('--base <model>', 'the same as --model (kept for old scripts)')
    .option('--epochs <n>', 'epochs (default 3)')
    .option('--lr <x>', 'learning rate (default 2e-4)')
    .option('--rank <r>', 'LoRA rank; alpha is 2×rank (default 16)')
    .option('--max-steps <n>', 'stop after this many optimiser steps')
    .option('--max-seq-len <n>', 'refuse examples longer than this many tokens (default 512)')
    .option('--batch-size <n>', 'examples per optimiser step, over all processes together (default 4)')
    .option(
      '--checkpoint-every <n>',
      'save a checkpoint every n steps: a killed run rerun loses at most n (default 20)',
    )
    .option(
      '--data-collections <names>',
      'collections the data was built from (comma-separated): only server keys for all of them may use the adapter',
    )
    .option(
      '--data-labels <labels>',
      'access labels of the chunks the data was built from (comma-separated); needs --data-collections',
    )
    .option(
      '--no-parity',
      'skip the export parity check (PyTorch + PEFT vs llama.cpp + the GGUF adapter on up to 8 validation prompts)',
    )
    .option(
      '--processes <n>',
      'data-parallel processes on this machine, under Hugging Face accelerate: one per GPU, or CPU processes (gloo); the batch stays the global batch (default 1, or training.processes)',
    )
    .option('--mixed-precision <mode>', 'no, bf16 or fp16 autocast (default no)')
    .option(
      '--quantize <mode>',
      "nf4: QLoRA, the base's linear layers loaded in 4-bit NF4 through bitsandbytes (the catalog models' weights then take a third to a half of their fp32 memory; CPU or CUDA; not with --sharding fsdp)",
    )
    .option(
      '--sharding <mode>',
      'ddp (default: each process holds the whole model) or fsdp (torch FSDP2: each of the --processes holds 1/N of every weight, for a base too large for one device)',
    )
    .option('--num-machines <n>', 'machines training together (each runs this command with its own --machine-rank)')
    .option('--machine-rank <i>', "this machine's index, 0 on the main machine")
    .option('--main-process-ip <address>', "the main machine's address, with --num-machines > 1")
    .option('--main-process-port <port>', 'the rendezvous port on the main machine (default 29500 across machines)')
    .option('--accelerate-config <file>', 'an `accelerate config` YAML for what attune has no flag for')
    .option('--json', 'print {name, adapterGguf, adapterPeft, steps, trainLoss, valLoss, wallSeconds, tokensPerSecond}')
    .addHelpText(
      'after',
      '\nExample:\n  attune tune --data faq.jsonl --name faq --epochs 3\n  attune tune --data faq.jsonl --name faq-qwen --model qwen2.5-coder-0.5b\n  attune tune --data faq.jsonl --name faq --processes 2\n  attune tune --data faq.jsonl --name faq-big --model qwen2.5-coder-1.5b --processes 4 --sharding fsdp\n  attune ask "When is support open?" --strategy ft --adapter faq\n\nCtrl-C stops; rerunning the same command resumes from the last checkpoint.',
    )
    .action(async (flags: TuneFlags, command: Command) => {
      const { home, env, config } = cliContext(command);
      // flags are checked before the Python environment or the model is touched
      const settings = parseSettingsFlags(TuneSettingsSchema, {
        epochs: { flag: '--epochs', value: flags.epochs },
        lr: { flag: '--lr', value: flags.lr },
        rank: { flag: '--rank', value: flags.rank },
        maxSteps: { flag: '--max-steps', value: flags.maxSteps },
        maxSeqLen: { flag: '--max-seq-len', value: flags.maxSeqLen },
        batchSize: { flag: '--batch-size', value: flags.batchSize },
        checkpointEvery: { flag: '--checkpoint-every', value: flags.checkpointEvery },
        quantize: { flag: '--quantize', value: flags.quantize, kind: 'string' },
      });
      const launch = resolveLaunch(
        config.training,
        parseSettingsFlags(TrainingLaunchFields, {
          processes: { flag: '--processes', value: flags.processes },
          mixedPrecision: { flag: '--mixed-precision', value: flags.mixedPrecision, kind: 'string' },
          sharding: { flag: '--sharding', value: flags.sharding, kind: 'string' },
          numMachines: { flag: '--num-machines', value: flags.numMachines },
          machineRank: { flag: '--machine-rank', value: flags.machineRank },
          mainProcessIp: { flag: '--main-process-ip', value: flags.mainProcessIp, kind: 'string' },
          mainProcessPort: { flag: '--main-process-port', value: flags.mainProcessPort },
          accelerateConfig: { flag: '--accelerate-config', value: flags.accelerateConfig, kind: 'string' },
        }),
      );
      if (settings.quantize && launch.sharding === 'fsdp')
        throw new UsageError(
          `--quantize ${settings.quantize} with --sharding fsdp is not supported (4-bit weights would need their own storage type to be sharded): use --sharding ddp or one process`,
        );
      const spec = flags.base ?? flags.model;
      // a folder or file given as is (a Hugging Face folder need not look like a path); else a catalog name
      const base =
        spec !== undefined && existsSync(spec)
          ? spec
          : resolveModel(spec ?? (config.generator.provider === 'llama' ? config.generator.model : undefined), { env })
              .path;
      const trainer = new PythonTrainer({
        python: await ensurePythonEnv({ env, log: (line) => process.stderr.write(`${line}\n`) }),
        launch,
      });
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      const removeInterrupt = handleInterrupt(onSigint);
      const bar = progressBar('training');
      let lastLoss = '';
      try {
        const result = await tune({
          home,
          trainer,
          name: flags.name,
          data: flags.data,
          base,
          ...settings,
          signal: controller.signal,
          scope: dataScope(flags),
          parity: flags.parity,
          onParity: (parity) => {
            if (parity === null) {
              bar.stop();
              process.stderr.write('export parity check: PyTorch + PEFT vs llama.cpp + GGUF…\n');
            } else process.stderr.write(`${describeParity(parity)} (${parity.seconds.toFixed(0)} s)\n`);
          },
          onData: ({ errors, stats, train, val }) => {
            for (const error of errors) process.stderr.write(`skipped ${error.message}\n`);
            process.stderr.write(
              `${stats.examples} examples (${train} train, ${val} validation), ${stats.tokens} tokens: min ${stats.min} / mean ${stats.mean} / max ${stats.max} of --max-seq-len ${stats.maxSeqLen}; estimated ~${stats.estimatedSeconds < 90 ? `${stats.estimatedSeconds} s` : `${Math.round(stats.estimatedSeconds / 60)} min`}\n`,
            );
          },
          onEvent: (event) => {
            if (event.event === 'progress') {
              lastLoss = `loss ${event.loss.toFixed(3)}`;
              bar.update(event.step, event.total, lastLoss);
            } else if (event.event === 'start' && event.resumed)
              process.stderr.write(`resuming from step ${event.step}\n`);
          },
        });
        bar.stop();
        output(flags.json, result, () =>
          [
            `adapter ${result.name}: ${result.steps} steps, train loss ${result.trainLoss.toFixed(3)}, val loss ${result.valLoss?.toFixed(3) ?? '-'}, ${result.tokensPerSecond.toFixed(0)} tokens/s, ${result.wallSeconds.toFixed(0)} s`,
            `  ${result.adapterGguf}`,
            `  ${result.adapterPeft}`,
            ...(result.parity ? [`  ${describeParity(result.parity)}`] : []),
          ].join('\n'),
        );
      } finally {
        bar.stop();
        removeInterrupt();
      }
    });
}

/** Without --data-collections the adapter has no scope: only keys for every collection and label may use it. */
function dataScope(flags: TuneFlags): { collections: string[]; labels: string[] } | undefined {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  if (flags.dataLabels !== undefined && flags.dataCollections === undefined)
    throw new UsageError('--data-labels needs --data-collections');
  return flags.dataCollections === undefined
    ? undefined
    : { collections: list(flags.dataCollections), labels: list(flags.dataLabels) };
}
