import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '../embed/embedder.ts';
import { StoreError, UsageError } from '../errors.ts';
import type { SqlDialect, TableSchema } from './database.ts';
import type { SqlExample } from './dataset.ts';
import { connectTables } from './join-graph.ts';
import { joinPaths, joinPartners, tableCardText, type JoinPath, type SchemaCard } from './schema-cards.ts';
import { linkTables, type ColumnValues, type TableLink } from './schema-linking.ts';
import { writeAtomicSync } from '../io/atomic-write.ts';
import {
  bestDatabase,
  combineDatabases,
  databaseVocabulary,
  tableOwners,
  type DatabaseSchema,
} from './several-databases.ts';

export interface IndexedCard extends SchemaCard {
  vector: Float32Array;
}

/** Everything `sql ask` needs about one database: its schema, join paths and embedded cards. */
export interface SqlIndex {
  version: 1;
  databaseId: string;
  dialect: SqlDialect;
  embedderId: string;
  builtAt: string;
  tables: TableSchema[];
  joins: JoinPath[];
  cards: IndexedCard[];
  /** Distinct text values per column for schema linking; absent when samples are off (values are data). */
  values?: ColumnValues[];
  /**
   * Present when the index holds several databases: each one's table keys (`database.table`). A query
   * runs against one database, so retrieval gives the model the best-scored database's tables only.
   */
  databases?: Record<string, string[]>;
}

export interface BuildIndexInput {
  databaseId: string;
  dialect: SqlDialect;
  tables: TableSchema[];
  docs?: SchemaCard[];
  examples?: SqlExample[];
  values?: ColumnValues[];
  /** Several databases in one index (instead of `tables` and `values`), their tables keyed `database.table`. */
  databases?: DatabaseSchema[];
}

export async function embedCards(
  cards: SchemaCard[],
  embedder: Embedder,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<IndexedCard[]> {
  const out: IndexedCard[] = [];
  for (let start = 0; start < cards.length; start += 32) {
    const batch = cards.slice(start, start + 32);
    const vectors = await embedder.embed(
      batch.map((card) => card.text),
      { signal: options.signal },
    );
    batch.forEach((card, i) => out.push({ ...card, vector: vectors[i]! }));
    options.onProgress?.(out.length, cards.length);
  }
  return out;
}

export async function buildSqlIndex(
  input: BuildIndexInput,
  embedder: Embedder,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<SqlIndex> {
  const several = input.databases ? combineDatabases(input.databases) : undefined;
  const tables = several?.tables ?? input.tables;
  const joins = several?.joins ?? joinPaths(input.tables);
  const values = several?.values ?? input.values;
  const cards: SchemaCard[] = [
    ...(several?.cards ??
      tables.map((table): SchemaCard => ({ kind: 'table', id: table.name, text: tableCardText(table, joins) }))),
    ...(input.docs ?? []),
    ...(input.examples ?? []).map(
      (example, i): SchemaCard => ({ kind: 'example', id: `example-${i}`, text: example.question, sql: example.sql }),
    ),
  ];
  return {
    version: 1,
    databaseId: input.databaseId,
    dialect: input.dialect,
    embedderId: embedder.id,
    builtAt: new Date().toISOString(),
    tables,
    joins,
    cards: await embedCards(cards, embedder, options),
    ...(values ? { values } : {}),
    ...(several ? { databases: several.databases } : {}),
  };
}

export function indexPath(home: string, databaseId: string): string {
  return join(home, 'sql', databaseId, 'index.json');
}

/** Writes to a temp file and renames, so a crash never leaves a half-written index. */
export function saveSqlIndex(home: string, index: SqlIndex): string {
  const path = indexPath(home, index.databaseId);
  const json = JSON.stringify({
    ...index,
    cards: index.cards.map((card) => ({ ...card, vector: Array.from(card.vector, (v) => Math.round(v * 1e6) / 1e6) })),
  });
  writeAtomicSync(path, json);
  return path;
}

export function loadSqlIndex(home: string, databaseId: string): SqlIndex {
  const path = indexPath(home, databaseId);
  if (!existsSync(path))
    throw new UsageError(`no SQL index for this database (${path}): run \`attune sql index --db …\` first`, {
      input: path,
    });
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as SqlIndex & { cards: (SchemaCard & { vector: number[] })[] };
    return { ...raw, cards: raw.cards.map((card) => ({ ...card, vector: Float32Array.from(card.vector) })) };
  } catch (error) {
    throw new StoreError(`${path}: corrupt SQL index (${(error as Error).message}): run \`attune sql index\` again`, {
      input: path,
      cause: error,
    });
  }
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}

export function rankCards(
  cards: IndexedCard[],
  query: Float32Array,
  kind: SchemaCard['kind'],
): { card: IndexedCard; score: number }[] {
  return cards
    .filter((card) => card.kind === kind)
    .map((card) => ({ card, score: cosine(card.vector, query) }))
    .sort((a, b) => b.score - a.score);
}

export interface RetrievedSchema {
  /** The top-k tables and the tables the question names or quotes a value of, then the tables on the join paths that connect them, then the tables the top-k reference. */
  tables: string[];
  /** Tables by score; in an index of several databases, only the chosen database's. */
  ranked: { table: string; score: number }[];
  /** In an index of several databases: the one the tables come from (the one holding the best-ranked table). */
  database?: string;
  /** Tables found by schema linking (name or value matches in the question). */
  links: TableLink[];
  docs: IndexedCard[];
  examples: IndexedCard[];
}

/**
 * Top-k tables by card similarity, plus the tables the question names or quotes a stored value of
 * (schema linking), connected through the shortest join paths (an approximate Steiner tree over the
 * foreign-key graph, so "customers who bought tracks by AC/DC" brings Invoice and InvoiceLine between
 * Customer and Track), plus one join hop so the top tables' parents come along. In an index of several
 * databases all of it comes from the database holding the best-ranked table (`allDatabases` turns that off,
 * for measuring: a schema mixing databases is one no single query can use).
 */
export function retrieveSchema(
  index: SqlIndex,
  query: Float32Array,
  options: { k?: number; docs?: number; examples?: number; question?: string; allDatabases?: boolean } = {},
): RetrievedSchema {
  const all = rankCards(index.cards, query, 'table').map(({ card, score }) => ({ table: card.id, score }));
  const database =
    index.databases && !options.allDatabases && Object.keys(index.databases).length > 1
      ? bestDatabase(
          all,
          derivedOf(index).owners,
          options.question ? { question: options.question, vocabulary: derivedOf(index).vocabulary } : undefined,
        )
      : undefined;
  const scope = database ? new Set(index.databases![database]) : undefined;
  const ranked = scope ? all.filter((entry) => scope.has(entry.table)) : all;
  const top = ranked.slice(0, options.k ?? 3).map((entry) => entry.table);
  // unscoped over several databases (measuring only): link within each database the top-k come from
  let linkScope: string[] | undefined;
  if (index.databases && database) linkScope = [database];
  else if (index.databases) {
    const { owners } = derivedOf(index);
    linkScope = [...new Set(top.map((table) => owners.get(table)!))];
  }
  const links = options.question ? linkWithin(index, options.question, linkScope) : [];
  const connected = connectTables([...top, ...links.map((link) => link.table)], index.joins);
  const tables = [...new Set([...connected, ...top.flatMap((table) => joinPartners(table, index.joins))])];
  return {
    tables,
    ranked,
    ...(database ? { database } : {}),
    links,
    docs: rankCards(index.cards, query, 'doc')
      .slice(0, options.docs ?? 2)
      .map((hit) => hit.card),
    examples: rankCards(index.cards, query, 'example')
      .slice(0, options.examples ?? 3)
      .map((hit) => hit.card),
  };
}

interface Derived {
  /** Table key → its database. */
  owners: Map<string, string>;
  /** Database → the words of its table and column names. */
  vocabulary: Map<string, Set<string>>;
}
const derived = new WeakMap<SqlIndex, Derived>();
/** What choosing a database needs from an index of several, built once per loaded index. */
function derivedOf(index: SqlIndex): Derived {
  let value = derived.get(index);
  if (!value) {
    const databases = index.databases ?? {};
    value = { owners: tableOwners(databases), vocabulary: databaseVocabulary(index.tables, databases) };
    derived.set(index, value);
  }
  return value;
}

/** Schema linking; in an index of several databases, per database: bare names matched, keys (`database.table`) returned. */
function linkWithin(index: SqlIndex, question: string, databases: string[] | undefined): TableLink[] {
  if (!databases)
    return linkTables(
      question,
      index.tables.map((table) => table.name),
      index.values,
    );
  return databases.flatMap((database) => {
    const prefix = `${database}.`;
    const own = new Set(index.databases![database]);
    const values = (index.values ?? [])
      .filter((entry) => own.has(entry.table))
      .map((entry) => ({ ...entry, table: entry.table.slice(prefix.length) }));
    return linkTables(
      question,
      [...own].map((table) => table.slice(prefix.length)),
      values,
    ).map((link) => ({ ...link, table: prefix + link.table }));
  });
}
