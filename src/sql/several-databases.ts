import type { TableSchema } from './database.ts';
import { joinPaths, tableCardText, type JoinPath, type SchemaCard } from './schema-cards.ts';
import { nameWords, questionWords, type ColumnValues } from './schema-linking.ts';

/** One database's part of an index that holds several (each table is keyed `database.table` there). */
export interface DatabaseSchema {
  name: string;
  tables: TableSchema[];
  values?: ColumnValues[];
}

/**
 * Several databases' schemas as one table list keyed `database.table`: joins are found per database
 * (inferred joins look at bare table names) and cards name the database they belong to.
 */
export function combineDatabases(databases: DatabaseSchema[]): {
  tables: TableSchema[];
  joins: JoinPath[];
  cards: SchemaCard[];
  values: ColumnValues[];
  databases: Record<string, string[]>;
} {
  const combined = {
    tables: [] as TableSchema[],
    joins: [] as JoinPath[],
    cards: [] as SchemaCard[],
    values: [] as ColumnValues[],
  };
  const byDatabase: Record<string, string[]> = {};
  for (const database of databases) {
    const key = (table: string) => `${database.name}.${table}`;
    const paths = joinPaths(database.tables);
    combined.tables.push(
      ...database.tables.map((table) => ({
        ...table,
        name: key(table.name),
        foreignKeys: table.foreignKeys.map((foreignKey) => ({ ...foreignKey, table: key(foreignKey.table) })),
      })),
    );
    combined.joins.push(...paths.map((path) => ({ ...path, from: key(path.from), to: key(path.to) })));
    combined.cards.push(
      ...database.tables.map(
        (table): SchemaCard => ({
          kind: 'table',
          id: key(table.name),
          text: tableCardText(table, paths, database.name),
        }),
      ),
    );
    combined.values.push(...(database.values ?? []).map((entry) => ({ ...entry, table: key(entry.table) })));
    byDatabase[database.name] = database.tables.map((table) => key(table.name));
  }
  return { ...combined, databases: byDatabase };
}

/**
 * How much the question's wording counts in choosing a database: a database's score is its best table's
 * cosine similarity plus NAME_WEIGHT × the share of the question's content words that name one of its
 * tables or columns (or the database). Chosen on the even-numbered Spider dev questions among 0–1 (steps
 * of 0.1–0.25); the odd-numbered half is the held-out figure (BENCHMARKS.md, "schema retrieval").
 */
export const NAME_WEIGHT = 0.5;

/** English function and question words: they say nothing about which database a question is about. */
const QUESTION_WORDS = new Set(
  (
    'a an the of in on at to for by with and or not no is are was were be been being what which who whom whose ' +
    'how many much show list give find return all each every any that this those these their its it they them ' +
    'from as do does did have has had than there where when me please also more most less least'
  ).split(' '),
);

/** Each database's vocabulary: the words of its name, its tables' names and its columns' names. */
export function databaseVocabulary(
  tables: TableSchema[],
  databases: Record<string, string[]>,
): Map<string, Set<string>> {
  const owners = tableOwners(databases);
  const vocabulary = new Map(Object.keys(databases).map((name) => [name, new Set(nameWords(name))]));
  for (const table of tables) {
    const database = owners.get(table.name);
    if (!database) continue;
    const words = vocabulary.get(database)!;
    for (const word of nameWords(table.name.slice(database.length + 1))) words.add(word);
    for (const column of table.columns) for (const word of nameWords(column.name)) words.add(word);
  }
  return vocabulary;
}

/**
 * The database a question is about. A query runs against one database, so the schema given to the model
 * comes from that one. Without a question: the database holding the best-ranked table. With one (and the
 * vocabulary): each database's best table score plus NAME_WEIGHT × the share of the question's content
 * words found in that database's table and column names ("How many singers are there?" fits several
 * databases by embedding; the one with a `singer` table and the columns the question names wins).
 * `owners` maps each table key to its database (`tableOwners`, built once per index).
 */
export function bestDatabase(
  ranked: { table: string; score?: number }[],
  owners: Map<string, string>,
  wording?: { question: string; vocabulary: Map<string, Set<string>> },
): string | undefined {
  if (!wording) return ranked.map((entry) => owners.get(entry.table)).find((name) => name !== undefined);
  const words = [
    ...new Set(
      questionWords(wording.question)
        .filter((word) => word.length > 1 && !QUESTION_WORDS.has(word))
        .flatMap((word) => nameWords(word)),
    ),
  ];
  const best = new Map<string, number>();
  for (const entry of ranked) {
    const database = owners.get(entry.table);
    if (database && !best.has(database)) best.set(database, entry.score ?? 0);
  }
  let chosen: string | undefined;
  let top = Number.NEGATIVE_INFINITY;
  for (const [database, score] of best) {
    const known = wording.vocabulary.get(database);
    const share = words.length && known ? words.filter((word) => known.has(word)).length / words.length : 0;
    const total = score + NAME_WEIGHT * share;
    if (total > top) [chosen, top] = [database, total];
  }
  return chosen;
}

/** Each table key (`database.table`) mapped to its database's name. */
export function tableOwners(databases: Record<string, string[]>): Map<string, string> {
  return new Map(Object.entries(databases).flatMap(([name, tables]) => tables.map((table) => [table, name])));
}
