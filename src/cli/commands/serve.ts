import type { Command } from 'commander';
import { MAX_PARALLEL } from '../../config/config.ts';
import { UsageError } from '../../errors.ts';
import { DEFAULT_QUEUE, DEFAULT_RATE_LIMIT } from '../../server/app.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { watchCollection, type Watcher } from '../../ingest/watch.ts';
import type { IngestResult } from '../../ingest/ingest.ts';
import { INGEST_LANE, type Jobs } from '../../server/jobs.ts';
import { createRuntime, type Runtime } from '../../runtime/runtime.ts';
import { startServer } from '../../server/serve.ts';
import { cliContext, parsePositiveInt, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';
import { handleInterrupt } from '../interrupt.ts';

interface ServeFlags {
  port: string;
  host: string;
  auth: boolean;
  queue?: string;
  rate?: string;
  burst?: string;
  dataRoot: string[];
  watch: string[];
  watchCollection?: string;
  maxAdapters?: string;
  parallel?: string;
  allowDegraded?: boolean;
}

/** `--watch`: a watcher beside the server, its batches taking turns with uploads in the ingest lane (each one a job in /v1/jobs). */
async function startWatcher(resources: Runtime, jobs: Jobs, paths: string[], collection: string): Promise<Watcher> {
  const [store, embedder] = await Promise.all([resources.store(collection, { create: true }), resources.embedder()]);
  return watchCollection({
    paths,
    store,
    embedder,
    chunking: resources.config.chunking,
    cacheDir: join(resources.home, 'cache', 'embeddings', collection),
    journal: join(resources.home, 'watch', `${collection}.json`),
    serialise: (ingestBatch) =>
      new Promise<IngestResult>((resolve, reject) => {
        jobs.start({ kind: 'ingest', keyId: 'watch', collection }, INGEST_LANE, () =>
          ingestBatch().then(
            (result) => (resolve(result), result),
            (error: unknown) => (reject(error), Promise.reject(error)),
          ),
        );
      }),
    onBatch: (batch) => {
      const { added, updated, removed } = batch.result;
      if (added + updated + removed > 0 || batch.result.failed.length > 0) {
        process.stderr.write(
          `attune: watch ${collection}: added ${added}, updated ${updated}, removed ${removed}${batch.result.failed.length ? `, failed ${batch.result.failed.length}` : ''}\n`,
        );
      }
    },
    onError: (error) => process.stderr.write(`attune: watch ${collection}: ${error.message}\n`),
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'serve collections over an OpenAI-compatible API, a REST API and a web UI (keys from `attune keys create`)',
    )
    .option('--port <n>', 'port (0 picks a free one)', '8787')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-auth', 'no API keys: every request is the local admin (refused unless --host is loopback)')
    .option('--queue <n>', `most chat requests waiting for the model before 429 (default ${DEFAULT_QUEUE.maxPending})`)
    .option('--rate <n>', `requests per second per key (default ${DEFAULT_RATE_LIMIT.perSecond})`)
    .option('--burst <n>', `burst of requests per key (default ${DEFAULT_RATE_LIMIT.burst})`)
    .option(
      '--watch <path>',
      'keep a collection in step with this file or folder as it changes (repeatable; see `attune watch`)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--watch-collection <name>', 'the collection --watch keeps fresh (created when new)')
    .option(
      '--max-adapters <n>',
      'most LoRA adapters kept loaded at once, least recently used unloaded first (default: generator.maxAdapters, else 4)',
    )
    .option(
      '--parallel <n>',
      'chat requests answered at once (local model: llama.cpp sequences of one context, batched together; default generator.parallel, else 1)',
    )
    .option('--allow-degraded', 'serve adapters whose export parity check failed (see `attune adapters show NAME`)')
    .option(
      '--data-root <dir>',
      'a folder whose files POST /v1/eval/compare may name (repeatable; <home>/data always is one)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  attune keys create --collections handbook --ops read   # prints a key once',
        '  attune serve --port 8787',
        '  curl -H "Authorization: Bearer $KEY" localhost:8787/v1/models',
        '  attune serve --no-auth                                 # local development only',
        '  attune serve --data-root /srv/datasets                 # POST /v1/eval/compare may read corpora there',
        '  attune serve --watch docs/ --watch-collection handbook # re-ingests docs/ as files change',
        '  attune serve --max-adapters 8                          # keep up to 8 LoRA adapters loaded',
        '  attune serve --parallel 4                              # answer up to 4 chats at once, batched',
        '  curl -X POST -H "Authorization: Bearer $ADMIN" localhost:8787/v1/adapters/faq/load',
        '',
        'Chat with model "attune/<collection>/<strategy>[/<adapter>]" or "attune/base" at /v1/chat/completions;',
        'responses carry an "attune" field with citations and retrieved chunks. Evaluations and comparisons run',
        'in the background (/v1/eval/runs, /v1/eval/compare). The web UI is at /.',
      ].join('\n'),
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const context = cliContext(command);
      const port = Number(flags.port);
      if (flags.watch.length > 0 && !flags.watchCollection)
        throw new UsageError('--watch needs --watch-collection NAME: the collection to keep fresh');
      for (const path of flags.watch)
        if (!existsSync(path)) throw new UsageError(`--watch: ${path}: no such file or folder`, { input: path });
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be 0-65535, got "${flags.port}"`);
      const maxAdapters = flags.maxAdapters ? parsePositiveInt(flags.maxAdapters, '--max-adapters') : undefined;
      if (maxAdapters && context.config.generator.provider !== 'llama')
        throw new UsageError(
          '--max-adapters applies to the local llama generator; a hosted engine has its own limit (vLLM: --max-loras)',
        );
      const parallelFlag = flags.parallel ? parsePositiveInt(flags.parallel, '--parallel') : undefined;
      // the bound of generator.parallel in the config: each sequence holds a whole context's KV cache
      if (parallelFlag !== undefined && parallelFlag > MAX_PARALLEL)
        throw new UsageError(
          `--parallel must be at most ${MAX_PARALLEL} (each holds its own context), got ${parallelFlag}`,
        );
      const generatorSpec = context.config.generator;
      const parallel = parallelFlag ?? (generatorSpec.provider === 'llama' ? generatorSpec.parallel : undefined) ?? 1;
      const config = {
        ...context.config,
        generator:
          generatorSpec.provider === 'llama'
            ? { ...generatorSpec, ...(maxAdapters ? { maxAdapters } : {}), parallel }
            : generatorSpec,
      };
      const resources = createRuntime({ config, home: context.home, env: context.env });
      const server = await startServer({
        resources,
        auth: flags.auth,
        host: flags.host,
        port,
        dataRoots: flags.dataRoot,
        adapters: { allowDegraded: flags.allowDegraded },
        queue: {
          ...DEFAULT_QUEUE,
          // a hosted engine batches on its side: --parallel is how many chats attune sends it at once
          concurrency: parallel,
          maxPending: flags.queue ? parsePositiveInt(flags.queue, '--queue') : DEFAULT_QUEUE.maxPending,
        },
        rateLimit: {
          perSecond: flags.rate ? parsePositiveInt(flags.rate, '--rate') : DEFAULT_RATE_LIMIT.perSecond,
          burst: flags.burst ? parsePositiveInt(flags.burst, '--burst') : DEFAULT_RATE_LIMIT.burst,
        },
      });
      const watcher =
        flags.watch.length > 0
          ? await startWatcher(resources, server.jobs, flags.watch, flags.watchCollection!)
          : undefined;
      process.stderr.write(
        `attune: serving ${context.home} at ${server.url}${flags.auth ? '' : ' (no auth: local development only)'}${watcher ? `, watching ${flags.watch.join(', ')}` : ''}\n`,
      );
      let removeInterrupt = (): void => {};
      await new Promise<void>((resolve) => {
        removeInterrupt = handleInterrupt(resolve, ['SIGINT', 'SIGTERM']);
      });
      // a second Ctrl-C during the close exits at once
      await watcher?.close();
      await server.close();
      removeInterrupt();
    });
}
