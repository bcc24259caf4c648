/**
 * The SqlDatabase interface and what its backends share. Backends import this file, never
 * database.ts (which loads them), so that the two do not import each other.
 */

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

export function isSampleExcluded(table: string, column: string, exclude: string[] = []): boolean {
  const wanted = exclude.map((entry) => entry.toLowerCase());
  return wanted.includes(column.toLowerCase()) || wanted.includes(`${table}.${column}`.toLowerCase());
}
