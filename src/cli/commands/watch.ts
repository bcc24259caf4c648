import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { watchCollection, type WatchBatch } from '../../ingest/watch.ts';
import { cliContext, parsePositiveInt } from '../context.ts';
import { handleInterrupt } from '../interrupt.ts';

const list = (value?: string) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

function describe(batch: WatchBatch): string {
  const { added, updated, removed, unchanged, failed } = batch.result;
  const head = `${batch.committedAt} ${batch.trigger}: added ${added}, updated ${updated}, removed ${removed}, unchanged ${unchanged} (${(batch.ms / 1000).toFixed(2)} s)`;
  return [head, ...failed.map((f) => `  failed: ${f.path}: ${f.reason}`)].join('\n');
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .argument('<paths...>', 'files and folders to keep the collection in step with')
    .description(
      're-ingest changed, added and removed files as they change (debounced; one atomic commit per batch; catches up on start)',
    )
    .requiredOption('-c, --collection <name>', 'collection to keep fresh (created when new)')
    .option('--labels <labels>', 'access labels for these documents, comma-separated')
    .option('--tags <tags>', 'tags for these documents, comma-separated')
    .option('--debounce-ms <n>', 'quiet time after a change before a batch starts', '250')
    .option('--max-file-mb <n>', 'refuse files larger than this', '50')
    .option('--json', 'print one JSON line per committed batch')
    .addHelpText(
      'after',
      '\nExample:\n  attune watch docs/ --collection handbook     # Ctrl-C to stop; a restart catches up',
    )
    .action(
      async (
        paths: string[],
        flags: {
          collection: string;
          labels?: string;
          tags?: string;
          debounceMs: string;
          maxFileMb: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const context = cliContext(command);
        // flags and paths are checked before the collection is opened (or created)
        const debounceMs = parsePositiveInt(flags.debounceMs, '--debounce-ms');
        const maxFileBytes = parsePositiveInt(flags.maxFileMb, '--max-file-mb') * 1024 * 1024;
        for (const path of paths)
          if (!existsSync(path)) throw new UsageError(`${path}: no such file or folder to watch`, { input: path });
        const runtime = createRuntime(context);
        const controller = new AbortController();
        try {
          const { store, embedder } = await runtime.collection(flags.collection, { create: true });
          const watcher = await watchCollection({
            paths,
            store,
            embedder,
            chunking: context.config.chunking,
            labels: list(flags.labels),
            tags: list(flags.tags),
            maxFileBytes,
            cacheDir: join(context.home, 'cache', 'embeddings', flags.collection),
            journal: join(context.home, 'watch', `${flags.collection}.json`),
            debounceMs,
            signal: controller.signal,
            onBatch: (batch) => process.stdout.write(`${flags.json ? JSON.stringify(batch) : describe(batch)}\n`),
            onError: (error) => process.stderr.write(`attune: watch: ${error.message}\n`),
          });
          process.stderr.write(
            `attune: watching ${paths.join(', ')} for collection ${flags.collection} (Ctrl-C to stop)\n`,
          );
          let removeInterrupt = (): void => {};
          await new Promise<void>((resolve) => {
            removeInterrupt = handleInterrupt(resolve, ['SIGINT', 'SIGTERM']);
          });
          // a batch under way finishes (its commit is atomic either way), then the watcher stops
          await watcher.close();
          removeInterrupt();
        } finally {
          controller.abort();
          await runtime.dispose();
        }
      },
    );
}
