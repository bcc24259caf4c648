import { readFileSync } from 'node:fs';
import { DatasetError } from '../errors.ts';
import type { TableSchema } from './database.ts';

interface SpiderSchemaJson {
  db_id: string;
  table_names_original: string[];
  table_names: string[];
  column_names_original: [number, string][];
  column_types: string[];
  primary_keys: (number | number[])[];
  foreign_keys: [number, number][];
}

/** Spider's tables.json → schemas per database (no SQLite files needed; no sample values). */
export function loadSpiderSchemas(path: string): Map<string, TableSchema[]> {
  const raw = readJson<SpiderSchemaJson[]>(path);
  const schemas = new Map<string, TableSchema[]>();
  for (const db of raw) {
    const primary = new Set(db.primary_keys.flat());
    const tables: TableSchema[] = db.table_names_original.map((name) => ({ name, columns: [], foreignKeys: [] }));
    db.column_names_original.forEach(([table, column], i) => {
      if (table < 0) return;
      tables[table]!.columns.push({ name: column, type: db.column_types[i]!, primaryKey: primary.has(i) });
    });
    for (const [from, to] of db.foreign_keys) {
      const [fromTable, fromColumn] = db.column_names_original[from]!;
      const [toTable, toColumn] = db.column_names_original[to]!;
      tables[fromTable]!.foreignKeys.push({
        columns: [fromColumn],
        table: db.table_names_original[toTable]!,
        references: [toColumn],
      });
    }
    schemas.set(db.db_id, tables);
  }
  return schemas;
}

export interface SpiderQuestion {
  question: string;
  database: string;
  sql: string;
  /** Tables the gold SQL reads, from Spider's parsed `sql` field (table_unit nodes, subqueries included). */
  tables: string[];
}

export function loadSpiderQuestions(path: string, schemas: Map<string, TableSchema[]>): SpiderQuestion[] {
  const raw = readJson<{ db_id: string; question: string; query: string; sql: unknown }[]>(path);
  return raw.map((item, i) => {
    const tables = schemas.get(item.db_id);
    if (!tables) throw new DatasetError(`${path}: item ${i}: unknown db_id "${item.db_id}"`, { input: path });
    const used = new Set<number>();
    collectTableUnits(item.sql, used);
    return {
      question: item.question,
      database: item.db_id,
      sql: item.query,
      tables: [...used].map((t) => tables[t]!.name),
    };
  });
}

function collectTableUnits(node: unknown, out: Set<number>): void {
  if (!Array.isArray(node) && (typeof node !== 'object' || node === null)) return;
  if (Array.isArray(node) && node[0] === 'table_unit' && typeof node[1] === 'number') out.add(node[1]);
  for (const child of Object.values(node)) collectTableUnits(child, out);
}

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new DatasetError(`${path}: cannot read JSON: ${(error as Error).message}`, { input: path, cause: error });
  }
}

/** Share of questions whose gold tables are all within the first k of their ranking. */
export function recallAtK(rankings: { gold: string[]; ranked: string[] }[], k: number): number {
  if (rankings.length === 0) return 0;
  const hits = rankings.filter(({ gold, ranked }) => gold.every((table) => ranked.slice(0, k).includes(table))).length;
  return hits / rankings.length;
}
