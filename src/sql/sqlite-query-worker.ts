/**
 * Child process that runs SQLite queries for SqliteDatabase. A separate process because
 * node:sqlite has no interrupt: a runaway query (a recursive CTE, a huge cross join) can only
 * be stopped by killing the process that runs it.
 */
import { constants, DatabaseSync, type StatementSync } from 'node:sqlite';

export interface WorkerRequest {
  id: number;
  path: string;
  sql: string;
  maxRows: number;
}

export type WorkerResponse =
  | { id: number; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { id: number; error: string };

const ALLOWED = new Set([
  constants.SQLITE_SELECT,
  constants.SQLITE_READ,
  constants.SQLITE_FUNCTION,
  constants.SQLITE_RECURSIVE,
]);
/** Functions that reach outside the database, stall it, or allocate at will (zeroblob(1e9) is a gigabyte); the validator refuses them too. */
const DENIED_FUNCTIONS = new Set([
  'load_extension',
  'readfile',
  'writefile',
  'edit',
  'fts3_tokenizer',
  'sqlite_compileoption_get',
  'zeroblob',
  'randomblob',
]);
/** The catalog lists every table, including ones the schema cards leave out: refused by policy (introspection uses its own connection). */
const DENIED_TABLES = new Set(['sqlite_master', 'sqlite_schema', 'sqlite_temp_master', 'sqlite_temp_schema']);

const connections = new Map<string, DatabaseSync>();

/** Read-only at three levels: opened read-only, an authorizer that allows only reads, and the caller's validator. */
export function openReadOnly(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { readOnly: true, enableDoubleQuotedStringLiterals: true, allowExtension: false });
  db.setAuthorizer((action, arg1, arg2) => {
    if (!ALLOWED.has(action)) return constants.SQLITE_DENY;
    if (action === constants.SQLITE_FUNCTION && arg2 && DENIED_FUNCTIONS.has(arg2.toLowerCase()))
      return constants.SQLITE_DENY;
    if (action === constants.SQLITE_READ && arg1 && DENIED_TABLES.has(arg1.toLowerCase())) return constants.SQLITE_DENY;
    return constants.SQLITE_OK;
  });
  return db;
}

function printable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `<blob ${value.byteLength} bytes>`;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

export function runQuery(
  db: DatabaseSync,
  sql: string,
  maxRows: number,
): Omit<Extract<WorkerResponse, { rows: unknown[][] }>, 'id'> {
  const statement: StatementSync = db.prepare(sql);
  statement.setReturnArrays(true);
  const columns = statement.columns().map((column) => column.name);
  const rows: unknown[][] = [];
  let truncated = false;
  for (const row of statement.iterate() as Iterable<unknown[]>) {
    if (rows.length >= maxRows) {
      truncated = true;
      break;
    }
    rows.push(row.map(printable));
  }
  return { columns, rows, truncated };
}

if (process.send) {
  process.on('message', (request: WorkerRequest) => {
    let response: WorkerResponse;
    try {
      let db = connections.get(request.path);
      if (!db) connections.set(request.path, (db = openReadOnly(request.path)));
      response = { id: request.id, ...runQuery(db, request.sql, request.maxRows) };
    } catch (error) {
      response = { id: request.id, error: (error as Error).message };
    }
    process.send!(response);
  });
  process.on('disconnect', () => process.exit(0));
}
