import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { copyCollection } from '../../store/copy.ts';
import { output } from '../output.ts';

interface ReembedFlags {
  from: string;
  to: string;
  json?: boolean;
  progress?: boolean;
}

export function registerCollectionsReembed(program: Command): void {
  const collections = program.commands.find((c) => c.name() === 'collections') ?? program.command('collections');
  collections
    .command('reembed')
    .description(
      'a new collection with the chunks of another, every one embedded again with a tuned embedder (one write; a failure leaves no collection)',
    )
    .requiredOption('--from <name>', 'collection to read the chunks from (left as it is)')
    .requiredOption('--to <name>', 'new collection to create')
    .option('--json', 'print as JSON')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .addHelpText(
      'after',
      '\nThe embedder is the global --embedder NAME (a tuned one, see `attune models list`); search and ask the new\ncollection with the same --embedder.\n\nExample:\n  attune collections reembed --from handbook --to handbook-ft --embedder handbook-minilm\n  attune --embedder handbook-minilm search "parental leave" --collection handbook-ft',
    )
    .action(async (flags: ReembedFlags, command: Command) => {
      if (!command.optsWithGlobals().embedder)
        throw new UsageError('collections reembed needs --embedder NAME: the tuned embedder to embed the chunks with');
      // loaded here: `attune collections list` registers this command too and must stay quick to start
      const [{ cliContext }, { createRuntime }, { progressBar }] = await Promise.all([
        import('../context.ts'),
        import('../../runtime/runtime.ts'),
        import('../progress.ts'),
      ]);
      const context = cliContext(command);
      const runtime = createRuntime(context);
      const bar = progressBar('reembed', { force: flags.progress });
      try {
        const result = await copyCollection({
          home: context.home,
          from: flags.from,
          fromUrl: context.config.store,
          toUrl: context.config.store,
          toCollection: flags.to,
          embedder: await runtime.embedder(),
          onProgress: (done, total) => bar.update(done, total, 'chunks'),
        });
        bar.stop();
        output(
          flags.json,
          result,
          () =>
            `re-embedded ${result.documents} documents, ${result.chunks} chunks: ${result.from.collection} → ${result.to.collection} (${(context.config.embedder as { model?: string }).model})`,
        );
      } finally {
        bar.stop();
        await runtime.dispose();
      }
    });
}
