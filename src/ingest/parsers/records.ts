import { parse } from 'csv-parse/sync';
import { DocumentError } from '../../errors.ts';
import type { Block, ParsedDocument } from '../../types.ts';
import { parseJsonLines } from '../../io/jsonl.ts';

const MAX_DEPTH = 100;

/** Flattens an object's scalar fields to "path: value" lines (JSON nested deeper than MAX_DEPTH is refused, not recursed into). */
function flatten(value: unknown, prefix = '', depth = 0): string[] {
  if (value === null || value === undefined) return [];
  if (depth > MAX_DEPTH) throw new DocumentError(`nested deeper than ${MAX_DEPTH} levels`);
  if (typeof value !== 'object') return [`${prefix || 'value'}: ${String(value)}`];
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object'))
    return value.length ? [`${prefix || 'values'}: ${value.join(', ')}`] : [];
  return Object.entries(value).flatMap(([key, v]) => flatten(v, prefix ? `${prefix}.${key}` : key, depth + 1));
}

function recordBlocks(records: unknown[]): Block[] {
  return records
    .map((record) => flatten(record).join('\n'))
    .filter(Boolean)
    .map((text) => ({ kind: 'paragraph', text }));
}

/** JSON: an array → one paragraph per element; an object → one paragraph. */
export function parseJson(text: string, path: string): ParsedDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DocumentError(`${path}: not valid JSON: ${(error as Error).message}`, { input: path });
  }
  return { blocks: withPath(path, () => recordBlocks(Array.isArray(data) ? data : [data])) };
}

function withPath<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw error instanceof DocumentError ? new DocumentError(`${path}: ${error.message}`, { input: path }) : error;
  }
}

/** JSON Lines: one paragraph per line; a bad line fails the file, naming the line. */
export function parseJsonl(text: string, path: string): ParsedDocument {
  const records: unknown[] = [];
  for (const { line, value, error } of parseJsonLines(text)) {
    if (error !== undefined) throw new DocumentError(`${path}:${line}: ${error}`, { input: path });
    records.push(value);
  }
  return { blocks: withPath(path, () => recordBlocks(records)) };
}

/** CSV with a header row: one paragraph per row, "column: value" lines. */
export function parseCsv(text: string, path: string): ParsedDocument {
  try {
    const rows = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true, bom: true }) as Record<
      string,
      string
    >[];
    return { blocks: recordBlocks(rows) };
  } catch (error) {
    throw new DocumentError(`${path}: not valid CSV: ${(error as Error).message}`, { input: path });
  }
}
