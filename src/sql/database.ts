import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';

export {
  DEFAULT_MAX_ROWS,
  DEFAULT_TIMEOUT_MS,
  isSampleExcluded,
  type ColumnSchema,
  type ForeignKey,
  type IntrospectOptions,
  type QueryOptions,
  type QueryResult,
  type SqlDatabase,
  type SqlDialect,
  type TableSchema,
} from './sql-database.ts';
import type { SqlDatabase } from './sql-database.ts';

export type DatabaseUrl = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** `sqlite:path`, `sqlite://path`, a path ending .sqlite/.sqlite3/.db, or `postgres://…`. */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseUrl {
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  let path: string | undefined;
  if (/^sqlite:/i.test(url)) path = url.replace(/^sqlite:(\/\/)?/i, '');
  else if (/\.(sqlite3?|db)$/i.test(url)) path = url;
  if (!path)
    throw new UsageError(
      `--db: cannot tell the database from "${url}": use sqlite:PATH, a .sqlite/.db file or postgres://…`,
      { input: url },
    );
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new UsageError(`--db: SQLite file not found: ${absolute}`, { input: absolute });
  return { kind: 'sqlite', path: absolute };
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
