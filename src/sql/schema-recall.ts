import type { Embedder } from '../embed/embedder.ts';
import type { TableSchema } from './database.ts';
import { joinPaths, tableCardText, type SchemaCard } from './schema-cards.ts';
import { embedCards, rankCards } from './sql-index.ts';
import { recallAtK, type SpiderQuestion } from './spider.ts';

export interface SchemaRecall {
  questions: number;
  /** All databases' tables in one index: the retriever must also find the right database. */
  global: Record<number, number>;
  /**
   * Only the question's own database's tables are candidates, per database, for databases with more
   * than `minTables` tables only: in a 2–5 table database, picking the gold tables is nearly free.
   */
  perDatabase: DatabaseRecall[];
}

export interface DatabaseRecall {
  database: string;
  tables: number;
  questions: number;
  recall: Record<number, number>;
}

/**
 * Schema-retrieval recall@k: the share of questions whose gold tables are all among the top k
 * table cards. Cards come from the schemas alone (names, types, keys, joins), keyed `database.table`.
 */
export async function measureSchemaRecall(
  schemas: Map<string, TableSchema[]>,
  questions: SpiderQuestion[],
  embedder: Embedder,
  options: { ks?: number[]; minTables?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<SchemaRecall> {
  const ks = options.ks ?? [1, 3, 5];
  const minTables = options.minTables ?? 5;
  const cards: SchemaCard[] = [...schemas].flatMap(([database, tables]) => {
    const joins = joinPaths(tables);
    return tables.map(
      (table): SchemaCard => ({
        kind: 'table',
        id: `${database}.${table.name}`,
        text: tableCardText(table, joins, database),
      }),
    );
  });
  const indexed = await embedCards(cards, embedder);
  const vectors = await embedCards(
    questions.map((q, i) => ({ kind: 'doc', id: String(i), text: q.question })),
    embedder,
    { onProgress: options.onProgress },
  );
  const global: { gold: string[]; ranked: string[] }[] = [];
  const perDatabase = new Map<string, { gold: string[]; ranked: string[] }[]>();
  questions.forEach((question, i) => {
    const ranked = rankCards(indexed, vectors[i]!.vector, 'table').map((hit) => hit.card.id);
    const gold = question.tables.map((table) => `${question.database}.${table}`);
    global.push({ gold, ranked });
    if ((schemas.get(question.database)?.length ?? 0) <= minTables) return;
    const own = perDatabase.get(question.database) ?? [];
    own.push({ gold, ranked: ranked.filter((id) => id.startsWith(`${question.database}.`)) });
    perDatabase.set(question.database, own);
  });
  return {
    questions: questions.length,
    global: Object.fromEntries(ks.map((k) => [k, recallAtK(global, k)])),
    perDatabase: [...perDatabase]
      .map(([database, rankings]) => ({
        database,
        tables: schemas.get(database)!.length,
        questions: rankings.length,
        recall: Object.fromEntries(ks.map((k) => [k, recallAtK(rankings, k)])),
      }))
      .sort((a, b) => b.tables - a.tables),
  };
}
