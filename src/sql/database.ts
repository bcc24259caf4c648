import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/** A column as introspected; `samples` are a few distinct values (omitted when samples are off). */
export interface ColumnSchema {
  name: string;
  type: string;
  primaryKey: boolean;
  comment?: string;
  samples?: string[];
}

export interface ForeignKey {
  columns: string[];
  table: string;
  references: string[];
}

export interface TableSchema {
  name: string;
  columns: ColumnSchema[];
  foreignKeys: ForeignKey[];
  comment?: string;
}

export type SqlDialect = 'sqlite' | 'postgresql';

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  /** True when the row limit cut the result short. */
  truncated: boolean;
}

export interface QueryOptions {
  timeoutMs?: number;
  maxRows?: number;
}

export interface IntrospectOptions {
  /** Distinct sample values per column; 0 turns sampling off. */
  samples?: number;
  /** Columns never sampled, as `table.column` or `column` (case-insensitive). */
  excludeSamples?: string[];
}

/** One database, read-only. Backends: SQLite (node:sqlite), Postgres (pg). */
export interface SqlDatabase {
  readonly dialect: SqlDialect;
  /** Stable id for the index folder: derived from the URL, never containing secrets. */
  readonly id: string;
  introspect(options?: IntrospectOptions): Promise<TableSchema[]>;
  /** Runs one already-validated read-only query with a timeout and a row limit. */
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  dispose(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_ROWS = 1_000;

export type DatabaseUrl = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `sqlite:path`, `sqlite://path`, a path ending .sqlite/.sqlite3/.db, or `postgres://…`. */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseUrl {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  let path: string | undefined;
  if (/^sqlite:/i.test(url)) path = url.replace(/^sqlite:(\/\/)?/i, '');
  else if (/\.(sqlite3?|db)$/i.test(url)) path = url;
  if (!path) throw new UsageError(`--db: cannot tell the database from "${url}": use sqlite:PATH, a .sqlite/.db file or postgres://…`, { input: url });
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new UsageError(`--db: SQLite file not found: ${absolute}`, { input: absolute });
  return { kind: 'sqlite', path: absolute };
}

export function isSampleExcluded(table: string, column: string, exclude: string[] = []): boolean {
  const wanted = exclude.map((entry) => entry.toLowerCase());
  return wanted.includes(column.toLowerCase()) || wanted.includes(`${table}.${column}`.toLowerCase());
}

/** Opens the database a URL names. The caller disposes it. */
export async function openDatabase(url: string, options: { cwd?: string } = {}): Promise<SqlDatabase> {
  const parsed = parseDatabaseUrl(url, options.cwd);
  if (parsed.kind === 'sqlite') {
    const { SqliteDatabase } = await import('./sqlite-database.ts');
    return SqliteDatabase.open(parsed.path);
  }
  const { PostgresDatabase } = await import('./postgres-database.ts');
  return PostgresDatabase.connect(parsed.url);
}
