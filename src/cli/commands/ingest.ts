import type { Command } from 'commander';
import { join } from 'node:path';
import { createRuntime } from '../../runtime/runtime.ts';
import { AttuneError } from '../../errors.ts';
import { ingest } from '../../ingest/ingest.ts';
import { cliContext, output, parsePositiveInt } from '../context.ts';
import { progressBar } from '../progress.ts';
import { handleInterrupt } from '../interrupt.ts';

const list = (value?: string) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .argument('<paths...>', 'files and folders: .md .txt .html .pdf .docx .json .jsonl .csv')
    .description('add documents to a collection (incremental by content hash; atomic)')
    .requiredOption('-c, --collection <name>', 'collection to ingest into (created when new)')
    .option('--prune', 'remove documents that are gone from the given folders')
    .option('--labels <labels>', 'access labels for these documents, comma-separated')
    .option('--tags <tags>', 'tags for these documents, comma-separated')
    .option('--max-file-mb <n>', 'refuse files larger than this', '50')
    .option('--json', 'print {added, updated, removed, unchanged, failed} as JSON')
    .addHelpText('after', '\nExample:\n  attune ingest docs/ handbook.pdf --collection handbook --prune')
    .action(
      async (
        paths: string[],
        flags: {
          collection: string;
          prune?: boolean;
          labels?: string;
          tags?: string;
          maxFileMb: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const context = cliContext(command);
        const runtime = createRuntime(context);
        const bar = progressBar('ingest');
        const controller = new AbortController();
        const stop = () =>
          controller.abort(new AttuneError('ingest interrupted: the collection is unchanged; run it again to finish'));
        const removeInterrupt = handleInterrupt(stop);
        try {
          const { store, embedder } = await runtime.collection(flags.collection, { create: true });
          const result = await ingest({
            paths,
            store,
            embedder,
            chunking: context.config.chunking,
            prune: flags.prune,
            labels: list(flags.labels),
            tags: list(flags.tags),
            maxFileBytes: parsePositiveInt(flags.maxFileMb, '--max-file-mb') * 1024 * 1024,
            cacheDir: join(context.home, 'cache', 'embeddings', flags.collection),
            signal: controller.signal,
            onProgress: ({ phase, done, total }) => bar.update(done, total, phase),
          });
          bar.stop();
          const { added, updated, removed, unchanged, failed } = result;
          output(flags.json, { added, updated, removed, unchanged, failed }, () =>
            [
              `added ${added}, updated ${updated}, removed ${removed}, unchanged ${unchanged}, chunks written ${result.chunks}`,
              ...failed.map((f) => `failed: ${f.path}: ${f.reason}`),
            ].join('\n'),
          );
          if (failed.length > 0 && added + updated + unchanged === 0 && failed.length >= paths.length)
            process.exitCode = 1;
        } catch (error) {
          if (controller.signal.aborted) throw controller.signal.reason;
          throw error;
        } finally {
          bar.stop();
          removeInterrupt();
          await runtime.dispose();
        }
      },
    );
}
