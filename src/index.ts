/**
 * attune as a library: the same stages the CLI runs, as plain async functions over plain data
 * (ARCHITECTURE.md). Backends are passed in — build them from a config with `createEmbedder`,
 * `createGenerator` and `openStore`, or use the test kit from `attune/testing`.
 */

// Configuration, loaded once at the edge and handed down.
export { ConfigSchema, loadConfig, parseConfig, type Config } from './config/config.ts';
export { createEmbedder, createGenerator, openCollection } from './runtime/backends.ts';
export { cacheDir, homeDir, modelsDir } from './config/paths.ts';

// The backend interfaces and their built-in implementations.
export type { Embedder } from './embed/embedder.ts';
export { TransformersEmbedder, type TransformersEmbedderOptions } from './embed/transformers-embedder.ts';
export { OpenAIEmbedder, type OpenAIEmbedderOptions } from './embed/openai-embedder.ts';
export type { GenerateRequest, GenerateResult, Generator } from './generate/generator.ts';
export { LlamaGenerator, type LlamaGeneratorOptions } from './generate/llama-generator.ts';
export { OpenAIGenerator, type OpenAIGeneratorOptions } from './generate/openai-generator.ts';
export type { ExportOptions, Store, StoreChange, StoreQuery } from './store/store.ts';
export { LanceStore, type LanceStoreOptions } from './store/lance-store.ts';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store.ts';
export {
  deleteCollection,
  listCollections,
  openStore,
  type CollectionInfo,
  type OpenStoreOptions,
  type StoreBackend,
} from './store/open.ts';
export { copyCollection, type CopyOptions, type CopyResult } from './store/copy.ts';
export type { Reranker } from './retrieve/reranker.ts';
export { llmReranker } from './retrieve/llm-reranker.ts';
export type { LossPoint, TrainConfig, TrainEvent, Trainer, TrainResult } from './tune/trainer.ts';
export { PythonTrainer } from './tune/python-trainer.ts';
export { ensurePythonEnv } from './models/python-env.ts';

// Ingest: files → chunks → embeddings → store.
export { ingest, type IngestOptions, type IngestResult } from './ingest/ingest.ts';
export { watchCollection, type WatchBatch, type WatchOptions, type Watcher } from './ingest/watch.ts';
export { parseDocument, isSupported } from './ingest/parsers/index.ts';
export { chunk, type ChunkOptions } from './chunk/chunk.ts';

// Search.
export { retrieve, type Retrieval, type RetrieveOptions } from './retrieve/retrieve.ts';
export { reciprocalRankFusion } from './store/rrf.ts';

// Ask: answering strategies (base, rag, ft, ft-rag, raft).
export type { AnswerOptions, Strategy } from './answer/strategy.ts';
export {
  buildStrategies,
  createStrategy,
  type BuildStrategiesOptions,
  type CreateStrategyOptions,
} from './answer/create-strategy.ts';
export {
  STRATEGY_CATALOG,
  STRATEGY_NAMES,
  strategySpec,
  type AdapterKind,
  type StrategyDeps,
  type StrategyName,
  type StrategySpec,
  type UpdatePath,
} from './answer/catalog.ts';
export { baseStrategy, type BaseStrategyOptions } from './answer/base-strategy.ts';
export { ragStrategy, type RagDeps, type RagStrategyOptions } from './answer/rag-strategy.ts';
export { extractCitations } from './answer/citations.ts';

// Evaluate.
export {
  isAnswerable,
  parseQuestions,
  readQuestions,
  QuestionSchema,
  type Question,
  type QuestionSet,
} from './dataset/questions.ts';
export { evaluate, type EvaluateOptions, type EvaluateResult } from './evaluate/evaluate.ts';
export {
  executeRun,
  loadRunReport,
  planNewRun,
  planResume,
  type ExecuteOptions,
  type NewRunSettings,
  type RunPlan,
} from './evaluate/run.ts';
export { listRuns, loadRun, type RunMeta } from './evaluate/runs.ts';
export type { EvalReport } from './evaluate/eval-report.ts';
export type { EvalRow } from './evaluate/row.ts';
export { defaultPrices, LOCAL_PRICES, type PriceTable } from './evaluate/metrics/cost.ts';
export { renderHtmlReport } from './report/html.ts';
export { renderEvalTable } from './report/table.ts';

// Compare: the whole RAG-vs-fine-tuning experiment and its recommendation.
export { runCompare, type CompareOptions, type CompareProgress } from './compare/compare.ts';
export { listCompareResults, loadCompareResult } from './compare/results.ts';

// Tune: LoRA adapters.
export { tune, type TuneOptions, type TuneResult } from './tune/tune.ts';
export { listAdapters, loadAdapter, removeAdapter, type AdapterMeta } from './tune/adapters.ts';
export { buildTrainingData, type BuildOptions, type BuildResult } from './tune/build-data.ts';

// SQL: text-to-SQL over SQLite or Postgres, read-only.
export { openDatabase, type QueryResult, type SqlDatabase, type TableSchema } from './sql/database.ts';
export { validateSql, type Validation } from './sql/validate.ts';
export { askSql, SQL_STRATEGIES, type AskSqlOptions, type SqlAnswer, type SqlStrategy } from './sql/ask.ts';
export { indexDatabase, loadOrIndex } from './sql/workspace.ts';

// Serve: the OpenAI-compatible and REST server, and the MCP server.
export { createApp, type AppOptions, type AttuneApp } from './server/app.ts';
export { startServer, type RunningServer } from './server/serve.ts';
export { createRuntime, Runtime, withRuntime, type RuntimeFactories, type RuntimeOptions } from './runtime/runtime.ts';
export { createMcpServer, type McpOptions } from './mcp/server.ts';

// Plain data between stages, and one error class per kind of failure.
export type {
  Answer,
  AnswerTimings,
  Block,
  ChatMessage,
  Chunk,
  ChunkRecord,
  Citation,
  DocumentRecord,
  Hit,
  ParsedDocument,
  SearchFilter,
  SearchMode,
  Usage,
} from './types.ts';
export {
  AttuneError,
  CollectionNotFoundError,
  DatasetError,
  DocumentError,
  errorMessage,
  ModelError,
  ProviderError,
  SqlError,
  StoreError,
  TrainerError,
  UsageError,
} from './errors.ts';
