import type { Command } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../../mcp/server.ts';
import { withRuntime } from '../../runtime/runtime.ts';
import { cliContext, parsePositiveInt, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('run an MCP server on stdio with `search` and `ask` tools over one collection')
    .requiredOption('-c, --collection <name>', 'the collection to serve')
    .option('--labels <labels>', 'access labels the client holds, comma-separated (default: all)')
    .option('--max-tokens <n>', 'most tokens in an answer', '128')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .addHelpText(
      'after',
      [
        '',
        'Example (an MCP client config):',
        '  { "command": "attune", "args": ["mcp", "--collection", "handbook"] }',
      ].join('\n'),
    )
    .action(async (flags: { collection: string; labels?: string; maxTokens: string }, command: Command) => {
      const context = cliContext(command);
      const maxTokens = parsePositiveInt(flags.maxTokens, '--max-tokens');
      const labels = flags.labels
        ?.split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      await withRuntime(context, async (runtime) => {
        await runtime.store(flags.collection); // fail fast on an unknown collection
        const server = createMcpServer({ resources: runtime, collection: flags.collection, labels, maxTokens });
        const transport = new StdioServerTransport();
        const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
        await server.connect(transport);
        process.stdin.once('end', () => void server.close());
        await closed;
      });
    });
}
