#!/usr/bin/env node
import { Command, CommanderError, Help } from 'commander';
import { AttuneError, UsageError } from '../errors.ts';
import { commands, type CommandEntry } from './commands/index.ts';

/** Global options that take a value: skipped when looking for the command name in argv. */
const VALUE_OPTIONS = new Set(['--home', '--config', '--store', '--embedder']);

function baseProgram(): Command {
  return new Command('attune')
    .description('Adapt a language model to your own data by RAG, LoRA fine-tuning or both — and measure which wins.')
    .option('--home <dir>', 'state folder (collections, runs, adapters); default $ATTUNE_HOME or ./.attune')
    .option('--config <file>', 'config file; default ./attune.config.json when present')
    .option('--store <url>', 'store for collections: embedded LanceDB (default) or postgres://…')
    .option(
      '--embedder <name>',
      'a tuned embedder (`attune tune-embedder`, listed by `attune models list`) instead of the configured one',
    )
    .option(
      '--rerank',
      're-rank retrieved chunks with the generator (an LLM grader, one short generation per candidate) before answering or returning them; retrieval.rerank in the config',
    )
    .showHelpAfterError()
    .exitOverride();
}

/**
 * The program with the `wanted` commands registered for real; every other command is a stand-in
 * with its name and help line, so that `attune --help` and "unknown command" read as before
 * without loading any command module.
 */
async function programWith(wanted: ReadonlySet<string>): Promise<Command> {
  const program = baseProgram();
  const standIns = new Map<Command, CommandEntry>();
  for (const entry of commands) {
    if (wanted.has(entry.name)) {
      for (const register of await entry.load()) register(program);
    } else {
      standIns.set(program.command(entry.name).description(entry.description), entry);
    }
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => standIns.get(command)?.term ?? help.subcommandTerm(command) });
  return program;
}

/** The program with every command registered (loads every command module). */
export async function buildProgram(): Promise<Command> {
  return programWith(new Set(commands.map((entry) => entry.name)));
}

/** The command argv runs (`attune help NAME` shows NAME's help): the first word after the global options. */
export function commandName(argv: string[]): string | undefined {
  const words: string[] = [];
  for (let i = 2; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    words.push(arg);
    if (arg !== 'help') break;
  }
  return words[0] === 'help' ? words[1] : words[0];
}

export async function main(argv: string[]): Promise<number> {
  try {
    const name = commandName(argv);
    const program = await programWith(new Set(name === undefined ? [] : [name]));
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
    if (!(error instanceof AttuneError))
      process.stderr.write('attune: (unexpected error; set ATTUNE_DEBUG=1 for details)\n');
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv);
}
