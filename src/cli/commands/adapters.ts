import type { Command } from 'commander';
import { formatNumber, renderTable } from '../../report/format.ts';
import { listAdapters, loadAdapter, removeAdapter } from '../../tune/adapters.ts';
import { describeParity } from '../../tune/parity-judge.ts';
import { cliContext, output } from '../context.ts';

export function registerAdapters(program: Command): void {
  const adapters = program.command('adapters').description('list, show and remove LoRA adapters trained with `attune tune`');
  adapters
    .command('list')
    .description('every adapter under the home')
    .option('--json', 'print the adapters as JSON')
    .addHelpText('after', '\nExample:\n  attune adapters list')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const metas = await listAdapters(cliContext(command).home);
      const rows = metas.map((m) => ({ name: m.name, createdAt: m.createdAt, baseModel: m.baseModel, steps: m.steps, trainLoss: m.trainLoss, valLoss: m.valLoss, parity: m.parity?.status ?? 'unchecked' }));
      output(flags.json, rows, () => rows.length === 0 ? 'no adapters yet: train one with `attune tune`' : renderTable(
        ['name', 'created', 'steps', 'train loss', 'val loss', 'parity', 'base'],
        rows.map((r) => [r.name, r.createdAt.slice(0, 19).replace('T', ' '), String(r.steps), formatNumber(r.trainLoss), r.valLoss === null ? '-' : formatNumber(r.valLoss), r.parity, r.baseModel]),
      ));
    });
  adapters
    .command('show')
    .argument('<name>', 'adapter name')
    .description('base model, data hash, hyperparameters, loss curve, wall time, tokens/s')
    .option('--json', 'print meta.json')
    .addHelpText('after', '\nExample:\n  attune adapters show faq --json')
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      const meta = await loadAdapter(cliContext(command).home, name);
      output(flags.json, meta, () => [
        `${meta.name} (${meta.trainer}, ${meta.createdAt})`, `base: ${meta.baseModel}`,
        `data: ${meta.data.file} sha256 ${meta.data.sha256.slice(0, 16)}… (${meta.data.train} train, ${meta.data.val} val, ${meta.data.skippedLines} skipped lines)`,
        `hyperparameters: ${Object.entries(meta.hyperparameters).map(([k, v]) => `${k}=${v}`).join(' ')}`,
        `${meta.steps} steps, train loss ${formatNumber(meta.trainLoss)}, val loss ${meta.valLoss === null ? '-' : formatNumber(meta.valLoss)}, ${meta.wallSeconds.toFixed(0)} s wall, ${meta.tokensPerSecond.toFixed(0)} tokens/s`,
        `loss curve: ${meta.lossCurve.map((p) => p.loss.toFixed(2)).join(' ')}`,
        describeParity(meta.parity),
        ...(meta.parity?.promptTokensDiffer ? [`  warning: prompt ${meta.parity.promptTokensDiffer.prompt + 1} tokens differ at position ${meta.parity.promptTokensDiffer.position}: PyTorch ${meta.parity.promptTokensDiffer.peft.join(',')} vs llama.cpp ${meta.parity.promptTokensDiffer.gguf.join(',')}`] : []),
      ].join('\n'));
    });
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
