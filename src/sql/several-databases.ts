import type { TableSchema } from './database.ts';
import { joinPaths, tableCardText, type JoinPath, type SchemaCard } from './schema-cards.ts';
import type { ColumnValues } from './schema-linking.ts';

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
 * The database a question is about: the one holding the best-ranked table. A query runs against one
 * database, so the schema given to the model comes from that one. (Its best table, rather than the sum
 * or mean of its top two or three, was chosen on half of Spider dev; see BENCHMARKS.md.)
 */
export function bestDatabase(ranked: { table: string }[], databases: Record<string, string[]>): string | undefined {
  const owner = tableOwners(databases);
  return ranked.map((entry) => owner.get(entry.table)).find((name) => name !== undefined);
}

/** Each table key (`database.table`) mapped to its database's name. */
export function tableOwners(databases: Record<string, string[]>): Map<string, string> {
  return new Map(Object.entries(databases).flatMap(([name, tables]) => tables.map((table) => [table, name])));
}
