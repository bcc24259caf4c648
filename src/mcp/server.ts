import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createStrategy } from '../answer/create-strategy.ts';
import { errorMessage } from '../errors.ts';
import { retrieve } from '../retrieve/retrieve.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { SearchFilter } from '../types.ts';

export interface McpOptions {
  resources: Runtime;
  collection: string;
  /** Access labels the MCP client holds; undefined → every label (the local user owns the files). */
  labels?: string[];
  maxTokens?: number;
}

function text(value: unknown, isError = false) {
  return {
    content: [{ type: 'text' as const, text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }],
    isError,
  };
}

/** An MCP server with two tools over one collection: `search` (chunks) and `ask` (a cited rag answer). */
export function createMcpServer(options: McpOptions): McpServer {
  const { resources, collection } = options;
  const filter: SearchFilter | undefined = options.labels ? { labels: options.labels } : undefined;
  const server = new McpServer({ name: 'attune', version: '0.1.0' });

  server.registerTool(
    'search',
    {
      description: `Search the "${collection}" collection; returns the best-matching chunks with their sources.`,
      inputSchema: { query: z.string().min(1).max(4000), k: z.number().int().min(1).max(20).optional() },
    },
    async ({ query, k }) => {
      try {
        const [store, embedder] = await Promise.all([resources.store(collection), resources.embedder()]);
        const { hits } = await retrieve(store, embedder, query, {
          k: k ?? resources.config.retrieval.k,
          mode: resources.config.retrieval.mode,
          fusion: resources.config.retrieval.fusion,
          filter,
          ...(await resources.rerankOptions()),
        });
        return text({
          hits: hits.map(({ chunkId, docId, source, title, headingPath, text: body, score }) => ({
            chunkId,
            docId,
            source,
            title,
            headingPath,
            text: body,
            score,
          })),
        });
      } catch (error) {
        return text(errorMessage(error), true);
      }
    },
  );

  server.registerTool(
    'ask',
    {
      description: `Answer a question from the "${collection}" collection with retrieval and numbered citations (abstains when the documents do not say).`,
      inputSchema: { question: z.string().min(1).max(4000) },
    },
    async ({ question }) => {
      try {
        const [store, embedder, generator] = await Promise.all([
          resources.store(collection),
          resources.embedder(),
          resources.generator(),
        ]);
        const strategy = createStrategy(
          'rag',
          { generator, store, embedder, retrieval: resources.config.retrieval, filter },
          { maxTokens: options.maxTokens ?? 128 },
        );
        const answer = await strategy.answer(question);
        return text({ answer: answer.answer, abstained: answer.abstained, citations: answer.citations });
      } catch (error) {
        return text(errorMessage(error), true);
      }
    },
  );

  return server;
}
