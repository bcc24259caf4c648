import type { Command } from 'commander';
import { copyCollection } from '../../store/copy.ts';
import { output } from '../output.ts';
import { storeContext } from '../store-context.ts';

interface CopyFlags {
  from: string;
  fromStore?: string;
  to: string;
  toCollection?: string;
  json?: boolean;
}

export function registerCollectionsCopy(program: Command): void {
  const collections = program.commands.find((c) => c.name() === 'collections') ?? program.command('collections');
  collections
    .command('copy')
    .description(
      'copy a collection with its vectors between the embedded store and Postgres, verifying document and chunk counts',
    )
    .requiredOption(
      '--from <name|dir>',
      'collection to copy: its name, or its folder (…/collections/NAME) in the embedded store',
    )
    .option('--from-store <url>', 'store holding it (default: the embedded store)')
    .requiredOption('--to <url>', 'target store: postgres://… or lancedb')
    .option('--to-collection <name>', 'name in the target store (default: the same name)')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  attune collections copy --from handbook --to postgres://attune:secret@db:5432/attune\n  attune collections copy --from ./.attune/collections/handbook --to postgres://attune:secret@db:5432/attune\n  attune collections copy --from handbook --from-store postgres://attune:secret@db:5432/attune --to lancedb --to-collection handbook-local',
    )
    .action(async (flags: CopyFlags, command: Command) => {
      const result = await copyCollection({
        home: (await storeContext(command)).home,
        from: flags.from,
        fromUrl: flags.fromStore,
        toUrl: flags.to,
        toCollection: flags.toCollection,
      });
      output(
        flags.json,
        result,
        () =>
          `copied ${result.documents} documents, ${result.chunks} chunks: ${result.from.store}/${result.from.collection} → ${result.to.store}/${result.to.collection}`,
      );
    });
}
