import type { SqlDatabase, TableSchema } from './database.ts';
import { isSampleExcluded } from './database.ts';

/** Distinct text values of one column, kept at `sql index` so a question's literals find their table. */
export interface ColumnValues {
  table: string;
  column: string;
  values: string[];
}

export interface TableLink {
  table: string;
  /** `name`: the question names the table; `value`: the question quotes a value stored in one of its columns. */
  reason: 'name' | 'value';
  match: string;
  column?: string;
}

const TEXT_TYPE = /char|text|clob|string|name|^$/i;
/** Flag-like values that a question says in passing; linking on them would add tables at random. */
const TOO_COMMON = new Set([
  'yes',
  'no',
  'true',
  'false',
  'none',
  'null',
  'unknown',
  'other',
  'n/a',
  'all',
  'the',
  'and',
]);

/**
 * Reads up to `maxPerColumn` distinct values of every text column (read-only queries through the
 * database's own limits). Columns excluded from samples are excluded here too: values are data.
 */
export async function collectValues(
  db: SqlDatabase,
  tables: TableSchema[],
  options: { maxPerColumn?: number; excludeSamples?: string[]; maxLength?: number } = {},
): Promise<ColumnValues[]> {
  const limit = options.maxPerColumn ?? 2000;
  const maxLength = options.maxLength ?? 60;
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const out: ColumnValues[] = [];
  for (const table of tables) {
    for (const column of table.columns) {
      if (!TEXT_TYPE.test(column.type) || isSampleExcluded(table.name, column.name, options.excludeSamples)) continue;
      const sql = `SELECT DISTINCT ${quote(column.name)} FROM ${quote(table.name)} WHERE ${quote(column.name)} IS NOT NULL LIMIT ${limit}`;
      const result = await db.query(sql, { maxRows: limit }).catch(() => undefined);
      if (!result) continue;
      const values = result.rows
        .map((row) => row[0])
        .filter((value): value is string => typeof value === 'string')
        .map((value) => value.trim())
        .filter(
          (value) =>
            value.length >= 3 &&
            value.length <= maxLength &&
            !/^[\d\s.,:/-]+$/.test(value) &&
            !TOO_COMMON.has(value.toLowerCase()),
        );
      if (values.length > 0) out.push({ table: table.name, column: column.name, values });
    }
  }
  return out;
}

const normalise = (text: string) =>
  ` ${text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')} `;
const isWordChar = (char: string | undefined) => char !== undefined && /[\p{L}\p{N}]/u.test(char);

/** True when `needle` occurs in `haystack` (both normalised) not inside a longer word. */
function containsWhole(haystack: string, needle: string): boolean {
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    if (!isWordChar(haystack[at - 1]) && !isWordChar(haystack[at + needle.length])) return true;
  }
  return false;
}

/**
 * A question's words, lower case with accents removed (`Zürich` → `zurich`), split at anything but letters and
 * digits. Schema linking and the choice of a database both read a question through it.
 */
export function questionWords(question: string): string[] {
  return normalise(question)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function singular(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(s|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** A table name in words: `invoice_line`, `InvoiceLine` → `invoice line`. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map(singular);
}

/**
 * Schema linking by exact matches: tables the question names (plural or singular) and tables holding a
 * value the question quotes ("AC/DC", "Berlin"). Retrieval by embedding misses both when the question's
 * wording is far from the schema card's.
 */
export function linkTables(question: string, tables: string[], values: ColumnValues[] = []): TableLink[] {
  const text = normalise(question);
  const words = ` ${questionWords(question).map(singular).join(' ')} `;
  const links: TableLink[] = [];
  for (const table of tables) {
    const name = nameWords(table).join(' ');
    if (name.length >= 3 && words.includes(` ${name} `)) links.push({ table, reason: 'name', match: name });
  }
  for (const entry of values) {
    if (links.some((link) => link.table === entry.table && link.reason === 'value')) continue;
    const value = entry.values.find((candidate) => containsWhole(text, normalise(candidate).trim()));
    if (value) links.push({ table: entry.table, reason: 'value', match: value, column: entry.column });
  }
  return links;
}
