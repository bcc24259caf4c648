import type { Embedder } from '../embed/embedder.ts';
import { errorMessage } from '../errors.ts';
import type { Generator } from '../generate/generator.ts';
import type { ChatMessage, Usage } from '../types.ts';
import { DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_MS, type SqlDatabase } from './database.ts';
import { queryVector } from '../retrieve/query-vectors.ts';
import { buildFtSqlMessages, buildSqlMessages, extractSql, SQL_JSON_SCHEMA } from './prompt.ts';
import { retrieveSchema, type SqlIndex } from './sql-index.ts';
import { validateSql } from './validate.ts';

export type SqlStrategy = 'full-schema' | 'retrieved-schema' | 'ft';
export const SQL_STRATEGIES: SqlStrategy[] = ['full-schema', 'retrieved-schema', 'ft'];

export interface SqlAttempt {
  sql: string | null;
  /** `refused`: validation said no; `database`: the database failed; `output`: no SQL in the reply. */
  error?: { kind: 'refused' | 'database' | 'output'; message: string };
}

export interface SqlAnswer {
  question: string;
  strategy: SqlStrategy;
  sql: string | null;
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
  retrievedTables: string[];
  tablesUsed: string[];
  attempts: SqlAttempt[];
  /** The last attempt's error when no attempt succeeded. */
  error?: SqlAttempt['error'];
  timings: { retrieveMs: number; generateMs: number; executeMs: number; totalMs: number };
  usage: Usage;
}

export interface AskSqlOptions {
  strategy?: SqlStrategy;
  /** `ft`: the adapter name the generator knows. */
  adapter?: string;
  /** Tables retrieved before join partners are added. */
  k?: number;
  examples?: number;
  docs?: number;
  maxRows?: number;
  timeoutMs?: number;
  /** Attempts in all: the first plus retries fed with the error. */
  maxAttempts?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

/**
 * Question → SQL → rows. `full-schema` puts every table in the prompt; `retrieved-schema` only the
 * top-k tables and the tables their foreign keys reference; `ft` is only the question, answered by a LoRA adapter
 * trained on this database's question → SQL pairs (`attune sql training-data`), which holds the schema in its weights.
 */
export async function askSql(
  question: string,
  resources: { db: SqlDatabase; index: SqlIndex; embedder: Embedder; generator: Generator },
  options: AskSqlOptions = {},
): Promise<SqlAnswer> {
  const started = performance.now();
  const strategy = options.strategy ?? 'retrieved-schema';
  const { db, index, embedder, generator } = resources;
  let tables: string[] = [];
  let messages: ChatMessage[];
  if (strategy === 'ft') {
    messages = buildFtSqlMessages(question, index.dialect);
  } else {
    const vector = await queryVector(embedder, question, options.signal);
    const retrieved = retrieveSchema(index, vector!, {
      k: options.k,
      docs: options.docs,
      examples: options.examples,
      question,
    });
    tables = strategy === 'retrieved-schema' ? retrieved.tables : index.tables.map((table) => table.name);
    messages = buildSqlMessages({ question, index, tables, docs: retrieved.docs, examples: retrieved.examples });
  }
  const retrieveMs = performance.now() - started;

  const usage: Usage = { promptTokens: 0, completionTokens: 0 };
  const attempts: SqlAttempt[] = [];
  let generateMs = 0;
  let executeMs = 0;
  const maxAttempts = options.maxAttempts ?? 2;
  const answer = (fields: Partial<SqlAnswer>): SqlAnswer => ({
    question,
    strategy,
    sql: null,
    columns: [],
    rows: [],
    truncated: false,
    retrievedTables: tables,
    tablesUsed: [],
    attempts,
    ...fields,
    timings: { retrieveMs, generateMs, executeMs, totalMs: performance.now() - started },
    usage,
  });

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const generateStarted = performance.now();
    const reply = await generator.generate({
      messages: [...messages],
      jsonSchema: SQL_JSON_SCHEMA as unknown as Record<string, unknown>,
      maxTokens: options.maxTokens ?? 256,
      temperature: 0,
      adapter: strategy === 'ft' ? options.adapter : undefined,
      signal: options.signal,
    });
    generateMs += performance.now() - generateStarted;
    usage.promptTokens += reply.usage.promptTokens;
    usage.completionTokens += reply.usage.completionTokens;
    const sql = extractSql(reply.text);
    let failure: SqlAttempt['error'];
    if (!sql) {
      failure = { kind: 'output', message: 'the model gave no SQL' };
    } else {
      const validation = validateSql(sql, db.dialect);
      if (!validation.ok) {
        failure = { kind: 'refused', message: `refused: ${validation.reason}` };
      } else {
        const executeStarted = performance.now();
        try {
          const result = await db.query(validation.sql, {
            maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
            timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          });
          executeMs += performance.now() - executeStarted;
          attempts.push({ sql: validation.sql });
          const known = new Map(index.tables.map((table) => [table.name.toLowerCase(), table.name]));
          const tablesUsed = validation.tables
            .map((table) => known.get(table.toLowerCase()))
            .filter((table): table is string => Boolean(table));
          return answer({ sql: validation.sql, ...result, tablesUsed });
        } catch (error) {
          executeMs += performance.now() - executeStarted;
          failure = { kind: 'database', message: errorMessage(error) };
        }
      }
    }
    attempts.push({ sql: sql ?? null, error: failure });
    messages.push(
      { role: 'assistant', content: reply.text },
      { role: 'user', content: `That failed: ${failure.message}\nWrite a corrected query for the same question.` },
    );
  }
  const last = attempts.at(-1)!;
  return answer({ sql: last.sql, error: last.error });
}
