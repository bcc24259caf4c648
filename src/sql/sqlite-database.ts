import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { SqlError } from '../errors.ts';
import {
  DEFAULT_MAX_ROWS,
  DEFAULT_TIMEOUT_MS,
  isSampleExcluded,
  type IntrospectOptions,
  type QueryOptions,
  type QueryResult,
  type SqlDatabase,
  type TableSchema,
} from './sql-database.ts';
import type { WorkerRequest, WorkerResponse } from './sqlite-query-worker.ts';

const WORKER = fileURLToPath(new URL('./sqlite-query-worker.ts', import.meta.url));

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A SQLite file through node:sqlite: introspected here, queried in a killable child process. */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  readonly id: string;
  readonly path: string;
  #worker: ChildProcess | undefined;
  #nextId = 0;
  #pending = new Map<
    number,
    { worker: ChildProcess; resolve: (r: WorkerResponse) => void; reject: (e: Error) => void }
  >();

  private constructor(path: string) {
    this.path = path;
    const stem = basename(path)
      .replace(/\.[^.]+$/, '')
      .replace(/[^A-Za-z0-9_-]+/g, '-');
    this.id = `${stem}-${createHash('sha256').update(path).digest('hex').slice(0, 8)}`;
  }

  static async open(path: string): Promise<SqliteDatabase> {
    try {
      new DatabaseSync(path, { readOnly: true }).close();
    } catch (error) {
      throw new SqlError(`cannot open SQLite database ${path}: ${(error as Error).message}`, {
        input: path,
        cause: error,
      });
    }
    return new SqliteDatabase(path);
  }

  async introspect(options: IntrospectOptions = {}): Promise<TableSchema[]> {
    const db = new DatabaseSync(this.path, { readOnly: true });
    try {
      const names = db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as { name: string }[];
      return names.map(({ name }) => {
        const info = db.prepare(`PRAGMA table_info(${quote(name)})`).all() as {
          name: string;
          type: string;
          pk: number;
        }[];
        const keys = db.prepare(`PRAGMA foreign_key_list(${quote(name)})`).all() as {
          id: number;
          table: string;
          from: string;
          to: string | null;
        }[];
        const foreignKeys = new Map<number, TableSchema['foreignKeys'][number]>();
        for (const key of keys) {
          const entry = foreignKeys.get(key.id) ?? { columns: [], table: key.table, references: [] };
          entry.columns.push(key.from);
          entry.references.push(key.to ?? key.from);
          foreignKeys.set(key.id, entry);
        }
        const columns = info.map((column) => ({
          name: column.name,
          type: column.type || 'any',
          primaryKey: column.pk > 0,
          samples: sampleValues(db, name, column.name, options),
        }));
        return { name, columns, foreignKeys: [...foreignKeys.values()] };
      });
    } finally {
      db.close();
    }
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const worker = this.#spawn();
    const id = this.#nextId++;
    const response = await new Promise<WorkerResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        this.#kill();
        reject(new SqlError(`query timed out after ${timeoutMs} ms`, { input: sql }));
      }, timeoutMs);
      this.#pending.set(id, {
        worker,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const request: WorkerRequest = { id, path: this.path, sql, maxRows: options.maxRows ?? DEFAULT_MAX_ROWS };
      worker.send(request);
    });
    if ('error' in response) throw new SqlError(response.error, { input: sql });
    return { columns: response.columns, rows: response.rows, truncated: response.truncated };
  }

  #spawn(): ChildProcess {
    if (this.#worker) return this.#worker;
    const worker = fork(WORKER, [], {
      execArgv: ['--disable-warning=ExperimentalWarning'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    worker.on('message', (response: WorkerResponse) => {
      this.#pending.get(response.id)?.resolve(response);
      this.#pending.delete(response.id);
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, pending] of this.#pending) {
        if (pending.worker !== worker) continue;
        this.#pending.delete(id);
        pending.reject(new SqlError('the SQLite query process exited unexpectedly'));
      }
    });
    this.#worker = worker;
    return worker;
  }

  #kill(): void {
    this.#worker?.kill('SIGKILL');
    this.#worker = undefined;
  }

  async dispose(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker || worker.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.disconnect();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

function sampleValues(
  db: DatabaseSync,
  table: string,
  column: string,
  options: IntrospectOptions,
): string[] | undefined {
  const count = options.samples ?? 3;
  if (count <= 0 || isSampleExcluded(table, column, options.excludeSamples)) return undefined;
  const rows = db
    .prepare(
      `SELECT DISTINCT ${quote(column)} AS v FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL AND typeof(${quote(column)}) != 'blob' LIMIT ${count}`,
    )
    .all() as { v: unknown }[];
  return rows.map((row) => String(row.v).slice(0, 60));
}
