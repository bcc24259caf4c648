import { parse } from 'csv-parse/sync';
import { DocumentError } from '../../errors.ts';
import type { Block, ParsedDocument } from '../../types.ts';

/** Flattens an object's scalar fields to "path: value" lines. */
function flatten(value: unknown, prefix = ''): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object') return [`${prefix || 'value'}: ${String(value)}`];
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object')) return value.length ? [`${prefix || 'values'}: ${value.join(', ')}`] : [];
  return Object.entries(value).flatMap(([key, v]) => flatten(v, prefix ? `${prefix}.${key}` : key));
}

function recordBlocks(records: unknown[]): Block[] {
  return records.map((record) => flatten(record).join('\n')).filter(Boolean).map((text) => ({ kind: 'paragraph', text }));
}

/** JSON: an array → one paragraph per element; an object → one paragraph. */
export function parseJson(text: string, path: string): ParsedDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new DocumentError(`${path}: not valid JSON: ${(error as Error).message}`, { input: path });
  }
  return { blocks: recordBlocks(Array.isArray(data) ? data : [data]) };
}

/** JSON Lines: one paragraph per line; a bad line fails the file, naming the line. */
export function parseJsonl(text: string, path: string): ParsedDocument {
  const records: unknown[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    try {
      records.push(JSON.parse(line));
    } catch (error) {
      throw new DocumentError(`${path}:${index + 1}: not valid JSON: ${(error as Error).message}`, { input: path });
    }
  });
  return { blocks: recordBlocks(records) };
}

/** CSV with a header row: one paragraph per row, "column: value" lines. */
export function parseCsv(text: string, path: string): ParsedDocument {
  try {
    const rows = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: true, bom: true }) as Record<string, string>[];
    return { blocks: recordBlocks(rows) };
  } catch (error) {
    throw new DocumentError(`${path}: not valid CSV: ${(error as Error).message}`, { input: path });
  }
}
