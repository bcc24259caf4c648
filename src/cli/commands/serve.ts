import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { DEFAULT_QUEUE, DEFAULT_RATE_LIMIT } from '../../server/app.ts';
import { createResources } from '../../server/resources.ts';
import { startServer } from '../../server/serve.ts';
import { cliContext, parsePositiveInt, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';

interface ServeFlags {
  port: string;
  host: string;
  auth: boolean;
  queue?: string;
  rate?: string;
  burst?: string;
  dataRoot: string[];
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve collections over an OpenAI-compatible API, a REST API and a web UI (keys from `attune keys create`)')
    .option('--port <n>', 'port (0 picks a free one)', '8787')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-auth', 'no API keys: every request is the local admin (refused unless --host is loopback)')
    .option('--queue <n>', `most chat requests waiting for the model before 429 (default ${DEFAULT_QUEUE.maxPending})`)
    .option('--rate <n>', `requests per second per key (default ${DEFAULT_RATE_LIMIT.perSecond})`)
    .option('--burst <n>', `burst of requests per key (default ${DEFAULT_RATE_LIMIT.burst})`)
    .option('--data-root <dir>', 'a folder whose files POST /v1/eval/compare may name (repeatable; <home>/data always is one)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .addHelpText('after', [
      '',
      'Examples:',
      '  attune keys create --collections handbook --ops read   # prints a key once',
      '  attune serve --port 8787',
      '  curl -H "Authorization: Bearer $KEY" localhost:8787/v1/models',
      '  attune serve --no-auth                                 # local development only',
      '  attune serve --data-root /srv/datasets                 # POST /v1/eval/compare may read corpora there',
      '',
      'Chat with model "attune/<collection>/<strategy>[/<adapter>]" or "attune/base" at /v1/chat/completions;',
      'responses carry an "attune" field with citations and retrieved chunks. Evaluations and comparisons run',
      'in the background (/v1/eval/runs, /v1/eval/compare). The web UI is at /.',
    ].join('\n'))
    .action(async (flags: ServeFlags, command: Command) => {
      const context = cliContext(command);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got "${flags.port}"`);
      const server = await startServer({
        resources: createResources(context.config, context.home, context.env),
        auth: flags.auth,
        host: flags.host,
        port,
        dataRoots: flags.dataRoot,
        queue: { ...DEFAULT_QUEUE, maxPending: flags.queue ? parsePositiveInt(flags.queue, '--queue') : DEFAULT_QUEUE.maxPending },
        rateLimit: {
          perSecond: flags.rate ? parsePositiveInt(flags.rate, '--rate') : DEFAULT_RATE_LIMIT.perSecond,
          burst: flags.burst ? parsePositiveInt(flags.burst, '--burst') : DEFAULT_RATE_LIMIT.burst,
        },
      });
      process.stderr.write(`attune: serving ${context.home} at ${server.url}${flags.auth ? '' : ' (no auth: local development only)'}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
