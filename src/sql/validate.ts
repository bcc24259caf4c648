import sqlParser from 'node-sql-parser';
import type { SqlDialect } from './database.ts';

export type Validation = { ok: true; sql: string; tables: string[] } | { ok: false; reason: string };

const parser = new sqlParser.Parser();

/** Statement keywords that never belong in a read-only query, checked outside strings and comments. */
const FORBIDDEN_KEYWORDS = [
  'insert',
  'update',
  'delete',
  'replace into',
  'upsert',
  'merge into',
  'drop',
  'create',
  'alter',
  'truncate',
  'grant',
  'revoke',
  'pragma',
  'attach',
  'detach',
  'copy',
  'vacuum',
  'reindex',
];
const FORBIDDEN_FUNCTIONS = new Set([
  'load_extension',
  'readfile',
  'writefile',
  'edit',
  'fts3_tokenizer',
  'zipfile',
  'sqlar_compress',
  'sqlar_uncompress',
  'set_config',
  'nextval',
  'setval',
  'currval',
  'lastval',
  'txid_current',
  'dblink',
  'dblink_exec',
  'version',
  'query_to_xml',
  'query_to_xml_and_xmlschema',
  'cursor_to_xml',
  'table_to_xml',
  'schema_to_xml',
  'database_to_xml',
  'current_setting',
  'inet_server_addr',
  'inet_client_addr',
  // allocate as much memory as asked (zeroblob(1e9) is a gigabyte) in one call
  'zeroblob',
  'randomblob',
  'repeat',
]);
/** Whole families: server files, large objects, sleeps, advisory locks, backends, replication. */
const FORBIDDEN_FUNCTION_PREFIXES = ['pg_', 'lo_', 'dblink', 'sqlite_', 'pragma_'];
/** Catalogs describe every table, including ones the schema cards leave out: refused by policy. */
const SYSTEM_SCHEMA = /^(information_schema|pg_catalog|pg_toast|sqlite_temp|temp)$/i;
const SYSTEM_TABLE = /^(sqlite_|pg_|pragma_)/i;
const ALLOWED_PG_FUNCTIONS = new Set(['pg_typeof']);
const WRITE_NODE_TYPES = new Set([
  'insert',
  'update',
  'delete',
  'replace',
  'drop',
  'create',
  'alter',
  'truncate',
  'grant',
  'revoke',
  'rename',
  'use',
  'set',
  'lock',
  'unlock',
  'transaction',
  'call',
  'exec',
]);

/** Blanks string literals, quoted identifiers and comments so keyword checks see only SQL structure. */
export function maskLiterals(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ')
    .replace(/'(?:[^']|'')*'?/g, "''")
    .replace(/"(?:[^"]|"")*"?/g, '""')
    .replace(/`[^`]*`?/g, '``')
    .replace(/\[[^\]]*\]?/g, '[]')
    .replace(/\$(\w*)\$[\s\S]*?(\$\1\$|$)/g, "''");
}

/**
 * Allows exactly one read-only SELECT (or WITH … SELECT). Fails closed: what the parser cannot
 * read is refused. The database connection is read-only as well; this is the first of two walls.
 */
export function validateSql(sql: string, dialect: SqlDialect): Validation {
  const text = sql.trim();
  if (!text) return { ok: false, reason: 'empty SQL' };
  const masked = maskLiterals(text).toLowerCase();
  const first = /^[\s(]*([a-z_]+)/.exec(masked)?.[1];
  if (first !== 'select' && first !== 'with')
    return {
      ok: false,
      reason: `${(first ?? text.slice(0, 12)).toUpperCase()} statements are not allowed: only a single read-only SELECT`,
    };
  const withoutTrailing = masked.replace(/;\s*$/, '');
  if (withoutTrailing.includes(';'))
    return { ok: false, reason: 'multiple statements are not allowed: only a single read-only SELECT' };
  for (const keyword of FORBIDDEN_KEYWORDS) {
    if (new RegExp(`\\b${keyword.replace(' ', '\\s+')}\\b`).test(withoutTrailing))
      return { ok: false, reason: `${keyword.toUpperCase()} is not allowed in a read-only query` };
  }
  let ast: unknown;
  try {
    ast = parser.astify(text, { database: dialect });
  } catch (error) {
    return {
      ok: false,
      reason: `not parseable as one ${dialect} SELECT: ${(error as Error).message.split('\n')[0]!.slice(0, 160)}`,
    };
  }
  const statements = (Array.isArray(ast) ? ast : [ast]).filter(Boolean) as { type?: string }[];
  if (statements.length !== 1)
    return { ok: false, reason: 'multiple statements are not allowed: only a single read-only SELECT' };
  if (statements[0]!.type !== 'select')
    return {
      ok: false,
      reason: `${String(statements[0]!.type).toUpperCase()} statements are not allowed: only a single read-only SELECT`,
    };
  const problem = findProblem(statements[0]);
  if (problem) return { ok: false, reason: problem };
  const catalog = /\b(information_schema|pg_catalog|sqlite_master|sqlite_schema|sqlite_temp_master)\b/.exec(
    withoutTrailing,
  );
  if (catalog) return { ok: false, reason: `system catalog "${catalog[1]}" is not queryable` };
  let entries: string[] = [];
  try {
    entries = parser.tableList(text, { database: dialect });
  } catch {
    // the AST was fine; a missing table list only loses `tablesUsed`
  }
  // entries read `select::schema::table` (schema "null" when none): both parts are checked
  for (const entry of entries) {
    const [, schema, table] = entry.split('::');
    if (schema && schema !== 'null' && SYSTEM_SCHEMA.test(schema))
      return { ok: false, reason: `system catalog "${schema}" is not queryable` };
    if (table && SYSTEM_TABLE.test(table)) return { ok: false, reason: `system catalog "${table}" is not queryable` };
  }
  const tables = [...new Set(entries.map((entry) => entry.split('::').at(-1)!))];
  return { ok: true, sql: text.replace(/;\s*$/, ''), tables };
}

function functionName(node: Record<string, unknown>): string {
  const name = node.name as unknown;
  if (typeof name === 'string') return name.toLowerCase();
  const parts = (name as { name?: { value?: string }[] } | undefined)?.name;
  return Array.isArray(parts) ? String(parts.at(-1)?.value ?? '').toLowerCase() : '';
}

function findProblem(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const problem = findProblem(child);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  const type = typeof record.type === 'string' ? record.type.toLowerCase() : '';
  if (WRITE_NODE_TYPES.has(type)) return `${type.toUpperCase()} is not allowed in a read-only query`;
  if (type === 'function' || type === 'aggr_func') {
    const name = functionName(record);
    const prefixed =
      FORBIDDEN_FUNCTION_PREFIXES.some((prefix) => name.startsWith(prefix)) && !ALLOWED_PG_FUNCTIONS.has(name);
    if (FORBIDDEN_FUNCTIONS.has(name) || prefixed) return `function ${name}() is not allowed`;
  }
  const into = record.into as { expr?: unknown; position?: unknown } | undefined;
  if (type === 'select' && into && (into.expr || into.position))
    return 'SELECT … INTO is not allowed: it writes a table';
  if (type === 'select' && record.for_update) return 'SELECT … FOR UPDATE is not allowed: it locks rows';
  for (const value of Object.values(record)) {
    const problem = findProblem(value);
    if (problem) return problem;
  }
  return undefined;
}
