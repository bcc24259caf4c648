import type { Command } from 'commander';

/**
 * The shared `attune dataset` group: each subcommand file (import, build, …) registers onto it,
 * so the group is created once by whichever registers first.
 */
export function datasetGroup(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'dataset') ??
    program.command('dataset').description('prepare question sets and training data')
  );
}
