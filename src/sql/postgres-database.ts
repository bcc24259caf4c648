import { createHash } from 'node:crypto';
import { ProviderError, SqlError } from '../errors.ts';
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

/** The slice of `pg` used here (the package ships no types and @types/pg is not installed). */
interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(
    query: string | { text: string; rowMode?: 'array'; queryMode?: 'extended' },
  ): Promise<{ rows: R[]; fields: { name: string }[] }>;
  end(): Promise<void>;
}
// a variable specifier keeps TypeScript from demanding declarations for the untyped module
const PG_MODULE: string = 'pg';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * A Postgres database through `pg`. The validator is the first wall; the database layer is the
 * second and holds on its own: the session is read-only by default (`default_transaction_read_only`),
 * every query runs in a READ ONLY transaction with a statement timeout, and the query text goes
 * over the extended protocol, which runs exactly one statement (a stacked `…; COMMIT; DELETE …`
 * is refused by the server instead of escaping the transaction). Connect as a read-only role too
 * (src/server/README.md, "Text-to-SQL on Postgres").
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgresql' as const;
  readonly id: string;
  readonly #client: PgClient;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(client: PgClient, url: string) {
    this.#client = client;
    const parsed = new URL(url);
    const name = `${parsed.hostname}-${parsed.port || '5432'}-${parsed.pathname.slice(1) || 'postgres'}`.replace(
      /[^A-Za-z0-9_-]+/g,
      '-',
    );
    // hash without the password: the id names a folder and must not leak credentials
    parsed.password = '';
    this.id = `${name}-${createHash('sha256').update(parsed.toString()).digest('hex').slice(0, 8)}`;
  }

  static async connect(url: string): Promise<PostgresDatabase> {
    const { default: pg } = (await import(PG_MODULE)) as {
      default: { Client: new (options: { connectionString: string }) => PgClient };
    };
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      // session default: even a transaction the wrapper did not open is read-only
      await client.query('SET default_transaction_read_only = on');
    } catch (error) {
      throw new ProviderError(`cannot connect to Postgres: ${(error as Error).message}`, { cause: error });
    }
    return new PostgresDatabase(client, url);
  }

  async introspect(options: IntrospectOptions = {}): Promise<TableSchema[]> {
    return this.#serial(async () => {
      const columns = await this.#client.query<{
        table_name: string;
        column_name: string;
        data_type: string;
        table_comment: string | null;
        column_comment: string | null;
      }>(`
        SELECT c.table_name, c.column_name, c.data_type,
               obj_description(format('%I.%I', c.table_schema, c.table_name)::regclass, 'pg_class') AS table_comment,
               col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) AS column_comment
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`);
      const keys = await this.#client.query<{
        table_name: string;
        constraint_type: string;
        name: string;
        column_name: string;
        foreign_table: string | null;
        foreign_column: string | null;
      }>(`
        SELECT tc.table_name, tc.constraint_type, tc.constraint_name AS name, kcu.column_name,
               ccu.table_name AS foreign_table, ccu.column_name AS foreign_column
        FROM information_schema.table_constraints tc
        JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
        LEFT JOIN information_schema.constraint_column_usage ccu ON tc.constraint_type = 'FOREIGN KEY' AND ccu.constraint_name = tc.constraint_name
        WHERE tc.table_schema = current_schema() AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
        ORDER BY tc.constraint_name, kcu.ordinal_position`);
      const tables = new Map<string, TableSchema>();
      for (const row of columns.rows) {
        const table = tables.get(row.table_name) ?? {
          name: row.table_name,
          columns: [],
          foreignKeys: [],
          comment: row.table_comment ?? undefined,
        };
        table.columns.push({
          name: row.column_name,
          type: row.data_type,
          primaryKey: false,
          comment: row.column_comment ?? undefined,
        });
        tables.set(row.table_name, table);
      }
      const foreign = new Map<string, TableSchema['foreignKeys'][number]>();
      for (const key of keys.rows) {
        const table = tables.get(key.table_name);
        if (!table) continue;
        if (key.constraint_type === 'PRIMARY KEY') {
          const column = table.columns.find((c) => c.name === key.column_name);
          if (column) column.primaryKey = true;
        } else if (key.foreign_table) {
          let entry = foreign.get(key.name);
          if (!entry) {
            entry = { columns: [], table: key.foreign_table, references: [] };
            foreign.set(key.name, entry);
            table.foreignKeys.push(entry);
          }
          if (!entry.columns.includes(key.column_name)) entry.columns.push(key.column_name);
          if (key.foreign_column && !entry.references.includes(key.foreign_column))
            entry.references.push(key.foreign_column);
        }
      }
      const count = options.samples ?? 3;
      if (count > 0) {
        for (const table of tables.values()) {
          for (const column of table.columns) {
            if (isSampleExcluded(table.name, column.name, options.excludeSamples) || /bytea|json/.test(column.type))
              continue;
            const result = await this.#client.query<{ v: string }>({
              text: `SELECT DISTINCT ${quote(column.name)}::text AS v FROM ${quote(table.name)} WHERE ${quote(column.name)} IS NOT NULL LIMIT ${count}`,
            });
            column.samples = result.rows.map((row) => row.v.slice(0, 60));
          }
        }
      }
      return [...tables.values()];
    });
  }

  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
    const body = sql.trim().replace(/;\s*$/, '');
    return this.#serial(async () => {
      await this.#client.query('BEGIN TRANSACTION READ ONLY');
      try {
        await this.#client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
        // the limit wraps the query so the server stops early; the caller validated it is one SELECT
        // extended protocol: one statement per call, so text that closes the wrapper cannot stack more
        const result = await this.#client.query<unknown[]>({
          text: `SELECT * FROM (${body}\n) AS attune_query LIMIT ${maxRows + 1}`,
          rowMode: 'array',
          queryMode: 'extended',
        });
        const rows = result.rows.slice(0, maxRows);
        return { columns: result.fields.map((field) => field.name), rows, truncated: result.rows.length > maxRows };
      } catch (error) {
        const message = (error as Error).message;
        throw new SqlError(/statement timeout/i.test(message) ? `query timed out after ${timeoutMs} ms` : message, {
          input: sql,
          cause: error,
        });
      } finally {
        await this.#client.query('ROLLBACK').catch(() => {});
      }
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.catch(() => {}).then(work);
    this.#queue = run;
    return run;
  }

  async dispose(): Promise<void> {
    await this.#client.end().catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
