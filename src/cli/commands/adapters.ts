import type { Command } from 'commander';
import { formatNumber, renderTable } from '../../report/format.ts';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { pushAdapter } from '../../generate/hosted-adapters.ts';
import { ensurePythonEnv } from '../../models/python-env.ts';
import { mergeAdapter } from '../../tune/merge.ts';
import { PythonTrainer } from '../../tune/python-trainer.ts';
import { adaptersDir, listAdapters, loadAdapter, removeAdapter } from '../../tune/adapters.ts';
import { describeParity } from '../../tune/parity-judge.ts';
import { cliContext, output } from '../context.ts';

export function registerAdapters(program: Command): void {
  const adapters = program
    .command('adapters')
    .description('list, show, merge, push and remove LoRA adapters trained with `attune tune`');
  adapters
    .command('list')
    .description('every adapter under the home')
    .option('--json', 'print the adapters as JSON')
    .addHelpText('after', '\nExample:\n  attune adapters list')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const metas = await listAdapters(cliContext(command).home);
      const rows = metas.map((m) => ({
        name: m.name,
        createdAt: m.createdAt,
        baseModel: m.baseModel,
        steps: m.steps,
        trainLoss: m.trainLoss,
        valLoss: m.valLoss,
        parity: m.parity?.status ?? 'unchecked',
      }));
      output(flags.json, rows, () =>
        rows.length === 0
          ? 'no adapters yet: train one with `attune tune`'
          : renderTable(
              ['name', 'created', 'steps', 'train loss', 'val loss', 'parity', 'base'],
              rows.map((r) => [
                r.name,
                r.createdAt.slice(0, 19).replace('T', ' '),
                String(r.steps),
                formatNumber(r.trainLoss),
                r.valLoss === null ? '-' : formatNumber(r.valLoss),
                r.parity,
                r.baseModel,
              ]),
            ),
      );
    });
  adapters
    .command('show')
    .argument('<name>', 'adapter name')
    .description('base model, data hash, hyperparameters, loss curve, wall time, tokens/s')
    .option('--json', 'print meta.json')
    .addHelpText('after', '\nExample:\n  attune adapters show faq --json')
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      const meta = await loadAdapter(cliContext(command).home, name);
      output(flags.json, meta, () =>
        [
          `${meta.name} (${meta.trainer}, ${meta.createdAt})`,
          `base: ${meta.baseModel}`,
          `data: ${meta.data.file} sha256 ${meta.data.sha256.slice(0, 16)}… (${meta.data.train} train, ${meta.data.val} val, ${meta.data.skippedLines} skipped lines)`,
          `hyperparameters: ${Object.entries(meta.hyperparameters)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
          `${meta.steps} steps, train loss ${formatNumber(meta.trainLoss)}, val loss ${meta.valLoss === null ? '-' : formatNumber(meta.valLoss)}, ${meta.wallSeconds.toFixed(0)} s wall, ${meta.tokensPerSecond.toFixed(0)} tokens/s${meta.processes ? ` on ${meta.processes} processes` : ''}`,
          `loss curve: ${meta.lossCurve.map((p) => p.loss.toFixed(2)).join(' ')}`,
          describeParity(meta.parity),
          ...(meta.merged
            ? [
                `merged: ${meta.merged.path} (${meta.merged.type}, ${(meta.merged.bytes / 1e6).toFixed(0)} MB); ${describeParity(meta.merged.parity)}`,
              ]
            : []),
          ...(meta.parity?.promptTokensDiffer
            ? [
                `  warning: prompt ${meta.parity.promptTokensDiffer.prompt + 1} tokens differ at position ${meta.parity.promptTokensDiffer.position}: PyTorch ${meta.parity.promptTokensDiffer.peft.join(',')} vs llama.cpp ${meta.parity.promptTokensDiffer.gguf.join(',')}`,
              ]
            : []),
        ].join('\n'),
      );
    });
  adapters
    .command('merge')
    .argument('<name>', 'adapter name')
    .option('--type <type>', 'type of the merged tensors: q8_0 (near-lossless) or f16', 'q8_0')
    .option('--out <file>', 'where to write the merged GGUF (default: <home>/adapters/NAME/merged.gguf)')
    .option('--no-parity', 'skip the export parity check of the merged file')
    .description(
      'write the base GGUF with the adapter folded in, for a server where one adapter takes all traffic; checks it like `tune` checks the adapter',
    )
    .addHelpText(
      'after',
      '\nExample:\n  attune adapters merge faq\n  attune serve --model ~/.attune/adapters/faq/merged.gguf   # then ask with --strategy base or rag',
    )
    .action(async (name: string, flags: { type: string; out?: string; parity: boolean }, command: Command) => {
      const { home, env } = cliContext(command);
      if (flags.type !== 'q8_0' && flags.type !== 'f16')
        throw new UsageError(`--type must be q8_0 or f16, got "${flags.type}"`);
      const python = await ensurePythonEnv({ env, log: (line) => process.stderr.write(`${line}\n`) });
      const merged = await mergeAdapter({
        home,
        name,
        python,
        type: flags.type,
        out: flags.out,
        trainer: flags.parity ? new PythonTrainer({ python }) : undefined,
      });
      process.stdout.write(
        `merged ${name} into ${merged.path} (${merged.tensors} tensors as ${merged.type}, ${(merged.bytes / 1e6).toFixed(0)} MB)\n${merged.parity ? `${describeParity(merged.parity)}\n` : ''}`,
      );
    });
  adapters
    .command('push')
    .argument('<name>', 'adapter name')
    .requiredOption(
      '--to <url>',
      "a hosted engine's OpenAI-compatible base URL, e.g. http://gpu-host:8000/v1 (vLLM with --enable-lora)",
    )
    .option(
      '--path-on-server <dir>',
      "the adapter's PEFT folder as the engine's file system sees it (default: this machine's path)",
    )
    .option('--api-key-env <var>', "environment variable holding the engine's API key")
    .description(
      "load the adapter's PEFT folder into a hosted engine's runtime LoRA endpoint (vLLM /v1/load_lora_adapter); it is then served as model NAME",
    )
    .addHelpText(
      'after',
      [
        '',
        'vLLM reads the folder on its own file system: start it with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True,',
        'and copy or mount <home>/adapters/NAME/peft where it can read it. Then set generator.provider = "openai" with its',
        'baseURL, and `attune ask --strategy ft --adapter NAME` asks for model NAME.',
        '',
        'Example:',
        '  attune adapters push faq --to http://gpu-host:8000/v1 --path-on-server /mnt/attune/adapters/faq/peft',
      ].join('\n'),
    )
    .action(
      async (name: string, flags: { to: string; pathOnServer?: string; apiKeyEnv?: string }, command: Command) => {
        const { home, env } = cliContext(command);
        const meta = await loadAdapter(home, name);
        if (!/^https?:\/\//.test(flags.to)) throw new UsageError(`--to must be an http(s) URL, got "${flags.to}"`);
        const apiKey = flags.apiKeyEnv ? env[flags.apiKeyEnv] : undefined;
        if (flags.apiKeyEnv && !apiKey)
          throw new UsageError(`--api-key-env ${flags.apiKeyEnv}: the variable is not set`);
        const pushed = await pushAdapter({
          name: meta.name,
          adapterGguf: join(adaptersDir(home), meta.name, 'adapter.gguf'),
          to: flags.to,
          pathOnServer: flags.pathOnServer,
          apiKey,
        });
        process.stdout.write(
          `loaded adapter ${pushed.name} into ${flags.to} from ${pushed.lora_path}: ask for model "${pushed.name}"\n`,
        );
      },
    );
  adapters
    .command('rm')
    .argument('<name>', 'adapter name')
    .description('delete an adapter')
    .addHelpText('after', '\nExample:\n  attune adapters rm faq')
    .action(async (name: string, _flags: unknown, command: Command) => {
      await removeAdapter(cliContext(command).home, name);
      process.stdout.write(`removed adapter ${name}\n`);
    });
}
