import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { deleteCollection, listCollections } from '../../store/open.ts';
import { output } from '../output.ts';
import { storeContext } from '../store-context.ts';

export function registerCollections(program: Command): void {
  const collections = program.command('collections').description('list or remove collections');
  collections
    .command('list')
    .description('list collections with their embedder')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  attune collections list --json')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const context = await storeContext(command);
      const infos = await listCollections(context.home, context.store);
      output(
        flags.json,
        infos,
        () =>
          infos.map((c) => `${c.name}  (${c.embedderId}, ${c.dimension}-d, created ${c.createdAt})`).join('\n') ||
          'no collections',
      );
    });
  collections
    .command('rm')
    .argument('<name>', 'collection to delete')
    .description('delete a collection and everything in it')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  attune collections rm old-handbook')
    .action(async (name: string, flags: { json?: boolean }, command: Command) => {
      const context = await storeContext(command);
      if (!(await deleteCollection(context.home, name, context.store)))
        throw new UsageError(`unknown collection "${name}"`);
      output(flags.json, { removed: name }, () => `removed ${name}`);
    });
}
