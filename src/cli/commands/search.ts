import type { Command } from 'commander';
import { withRuntime } from '../../runtime/runtime.ts';
import { UsageError } from '../../errors.ts';
import { retrieve } from '../../retrieve/retrieve.ts';
import { cliContext, output, parsePositiveInt } from '../context.ts';

export function registerSearch(program: Command): void {
  program
    .command('search')
    .argument('<query>', 'what to look for')
    .description('search a collection: hybrid (BM25 + vectors, fused by normalised score), vector or keyword')
    .requiredOption('-c, --collection <name>', 'collection to search')
    .option('--k <n>', 'number of results', '10')
    .option('--mode <mode>', 'hybrid, vector or keyword', 'hybrid')
    .option('--json', 'print [{chunkId, docId, source, text, score}] as JSON')
    .addHelpText('after', '\nExample:\n  attune search "parental leave" --collection handbook --k 5 --json')
    .action(
      async (
        query: string,
        flags: { collection: string; k: string; mode: string; json?: boolean },
        command: Command,
      ) => {
        if (!['hybrid', 'vector', 'keyword'].includes(flags.mode))
          throw new UsageError(`--mode must be hybrid, vector or keyword, got "${flags.mode}"`);
        const context = cliContext(command);
        await withRuntime(context, async (runtime) => {
          const { store, embedder } = await runtime.collection(flags.collection);
          const { hits } = await retrieve(store, embedder, query, {
            k: parsePositiveInt(flags.k, '--k'),
            mode: flags.mode as 'hybrid',
            fusion: context.config.retrieval.fusion,
            ...(await runtime.rerankOptions()),
          });
          const rows = hits.map(({ chunkId, docId, source, text, score, headingPath, page }) => ({
            chunkId,
            docId,
            source,
            text,
            score,
            headingPath,
            page,
          }));
          output(
            flags.json,
            rows,
            () =>
              rows
                .map(
                  (r, i) =>
                    `${i + 1}. ${r.source} (${r.score.toFixed(3)})\n   ${r.text.slice(0, 160).replace(/\s+/g, ' ')}`,
                )
                .join('\n') || 'no results',
          );
        });
      },
    );
}
