#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { AttuneError, UsageError } from '../errors.ts';
import { commands } from './commands/index.ts';

export function buildProgram(): Command {
  const program = new Command('attune')
    .description('Adapt a language model to your own data by RAG, LoRA fine-tuning or both — and measure which wins.')
    .option('--home <dir>', 'state folder (collections, runs, adapters); default $ATTUNE_HOME or ./.attune')
    .option('--config <file>', 'config file; default ./attune.config.json when present')
    .option('--store <url>', 'store for collections: embedded LanceDB (default) or postgres://…')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (process.env.ATTUNE_DEBUG) console.error(error);
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`attune: ${message.split('\n')[0]}\n`);
    if (error instanceof UsageError) return 2;
    if (!(error instanceof AttuneError)) process.stderr.write('attune: (unexpected error; set ATTUNE_DEBUG=1 for details)\n');
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv);
}
