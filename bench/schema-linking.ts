/**
 * Schema retrieval with and without join paths and schema linking (issue #15 item 7):
 * - Spider dev (1,034 questions; all 166 schemas, 876 tables, in ONE index: the retriever must also
 *   find the right database). Spider ships no databases, so only table-name linking applies (no values).
 * - GeoQuery (all 877 questions over its 7-table SQLite database), with value linking.
 * The index is built and searched by the product's own functions (`buildSqlIndex`, `retrieveSchema`). For
 * each question: the top-k tables by embedding, + tables the question names or quotes a value of, connected
 * through the shortest join paths; on Spider both across all databases and from the best database only
 * (what `sql ask` does with an index of several databases). A question counts when every table its gold
 * SQL reads is in the set.
 *
 *   bash scripts/with-node.sh bench/schema-linking.ts [--ks 3,5]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { openDatabase } from '../src/sql/database.ts';
import { loadGeoquery } from '../src/sql/geoquery.ts';
import { collectValues } from '../src/sql/schema-linking.ts';
import { buildSqlIndex, embedCards, retrieveSchema, type BuildIndexInput } from '../src/sql/sql-index.ts';
import { loadSpiderQuestions, loadSpiderSchemas } from '../src/sql/spider.ts';
import { validateSql } from '../src/sql/validate.ts';
import { bestDatabase, databaseVocabulary, NAME_WEIGHT, tableOwners } from '../src/sql/several-databases.ts';
import { datasetsDir } from '../src/testing/datasets.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';

const { values: flags } = parseArgs({ options: { ks: { type: 'string', default: '3,5' } } });
const ks = flags.ks.split(',').map(Number);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const embedder = await createEmbedder(parseConfig({}));
const started = performance.now();

interface Case {
  question: string;
  gold: string[];
  /** Spider: the question's database (one index holds them all). */
  database?: string;
}
interface Setting {
  recall: number;
  /** Gold tables all present and the best-scored database (the one a query would run on) is the question's. */
  recallOneDatabase: number;
  /** `recall` on the odd-numbered questions only (the half not used to choose how databases are scored). */
  recallOddHalf: number;
  meanTables: number;
}

/**
 * Builds the index as `sql index` does (`buildSqlIndex`, several databases keyed `database.table`) and
 * retrieves as `sql ask` does (`retrieveSchema`): scoped to the best database, and across all databases.
 */
async function measure(name: string, input: BuildIndexInput, cases: Case[]) {
  const index = await buildSqlIndex(input, embedder, {
    onProgress: (done, total) => done === total && log(`${name}: embedded ${total} table cards`),
  });
  const questions = await embedCards(
    cases.map((c, i) => ({ kind: 'doc', id: String(i), text: c.question })),
    embedder,
  );
  const several = Boolean(index.databases);
  const results: Record<string, Setting> = {};
  // which database each rule picks: the best table's, or best table + the question's words in its names (retrieveSchema's)
  const choice = { table: [0, 0], names: [0, 0], half: [0, 0] };
  if (index.databases) {
    const vocabulary = databaseVocabulary(index.tables, index.databases);
    const owners = tableOwners(index.databases);
    cases.forEach((item, i) => {
      const ranked = retrieveSchema(index, questions[i]!.vector, { allDatabases: true }).ranked;
      choice.half[i % 2]!++;
      if (bestDatabase(ranked, owners) === item.database) choice.table[i % 2]!++;
      if (bestDatabase(ranked, owners, { question: item.question, vocabulary }) === item.database)
        choice.names[i % 2]!++;
    });
  }
  for (const k of ks) {
    const chosen: Record<string, { tables: string[]; database?: string }[]> = {};
    const add = (setting: string, tables: string[], database?: string) =>
      (chosen[setting] ??= []).push({ tables, database });
    cases.forEach((item, i) => {
      const vector = questions[i]!.vector;
      const all = retrieveSchema(index, vector, { k, question: item.question, allDatabases: true });
      const best = all.ranked[0]?.table.split('.')[0];
      const where = several ? ', all databases' : '';
      add(
        `top-${k}${where}`,
        all.ranked.slice(0, k).map((entry) => entry.table),
        best,
      );
      add(`top-${k} + linked tables + join paths${where}${several ? ' (before)' : ''}`, all.tables, best);
      if (!several) return;
      const one = retrieveSchema(index, vector, { k, question: item.question });
      add(
        `top-${k}, best database only`,
        one.ranked.slice(0, k).map((entry) => entry.table),
        one.database,
      );
      add(`top-${k} + linked tables + join paths, best database only (now)`, one.tables, one.database);
    });
    for (const [setting, sets] of Object.entries(chosen)) {
      const hit = (i: number) => cases[i]!.gold.every((table) => sets[i]!.tables.includes(table));
      const odd = cases.map((_, i) => i).filter((i) => i % 2 === 1);
      results[setting] = {
        recall: cases.filter((_, i) => hit(i)).length / cases.length,
        recallOneDatabase:
          cases.filter((item, i) => hit(i) && (!item.database || sets[i]!.database === item.database)).length /
          cases.length,
        recallOddHalf: odd.filter(hit).length / odd.length,
        meanTables: sets.reduce((sum, set) => sum + set.tables.length, 0) / cases.length,
      };
    }
  }
  return { results, choice };
}

const spiderSchemas = loadSpiderSchemas(join(datasetsDir, 'spider-dev', 'tables.json'));
const spiderCases = loadSpiderQuestions(join(datasetsDir, 'spider-dev', 'dev.json'), spiderSchemas).map((q) => ({
  question: q.question,
  gold: q.tables.map((t) => `${q.database}.${t}`),
  database: q.database,
}));
const { results: spider, choice } = await measure(
  'spider',
  {
    databaseId: 'spider-dev',
    dialect: 'sqlite',
    tables: [],
    databases: [...spiderSchemas].map(([name, tables]) => ({ name, tables })),
  },
  spiderCases,
);

const geoDb = await openDatabase(`sqlite:${join(datasetsDir, 'geoquery', 'geography-db.added-in-2020.sqlite')}`);
const geoTables = await geoDb.introspect({ samples: 0 });
const geoValues = await collectValues(geoDb, geoTables);
await geoDb.dispose();
// every question of the question split's three parts: all 877 (no training here, so the split does not matter)
const geoCases = (['train', 'dev', 'test'] as const)
  .flatMap((split) => loadGeoquery(join(datasetsDir, 'geoquery', 'geography.json'), split, 'question'))
  .flatMap((example) => {
    const checked = validateSql(example.sql, 'sqlite');
    if (!checked.ok) return [];
    const known = new Map(geoTables.map((t) => [t.name.toLowerCase(), t.name]));
    return [
      {
        question: example.question,
        gold: [
          ...new Set(checked.tables.map((t) => known.get(t.toLowerCase())).filter((t): t is string => Boolean(t))),
        ],
      },
    ];
  });
const { results: geo } = await measure(
  'geoquery',
  { databaseId: 'geo', dialect: 'sqlite', tables: geoTables, values: geoValues },
  geoCases,
);

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const share = (hits: number, total: number) => percent(hits / total);
const rows = (results: Record<string, Setting>, several: boolean) =>
  Object.entries(results).map(([setting, r]) => [
    setting,
    percent(r.recall),
    ...(several ? [percent(r.recallOneDatabase), percent(r.recallOddHalf)] : []),
    r.meanTables.toFixed(2),
  ]);
const body = `Share of questions whose gold SQL's tables are ALL in the schema given to the model, and how many tables that schema holds on average. Embedder all-MiniLM-L6-v2; the index built by \`buildSqlIndex\` and the schema chosen by \`retrieveSchema\`, as \`sql index\` and \`sql ask\` do. top-k: at most k tables by card similarity; the linked and join-path tables come on top of them (the mean count says how many in all).

Spider dev, ${spiderCases.length} questions, all ${[...spiderSchemas.values()].flat().length} tables of ${spiderSchemas.size} databases in one index (no sample values: Spider ships no databases, so only table-name linking applies). A query runs against one database: "best database only" takes the tables (top-k, linking, join paths) from the best-scored database, as \`retrieveSchema\` does: a database's score is its best table's cosine similarity + ${NAME_WEIGHT} × the share of the question's content words (English function and question words left out) that name one of its tables or columns. The weight was chosen on the even-numbered questions among 0, 0.1, 0.2, 0.3, 0.5, 0.75 and 1 (a similarity to a per-database card of all its names, tried beside it, added nothing), so the odd-numbered half is the held-out figure. Database chosen right, even / odd half: best table only ${share(choice.table[0]!, choice.half[0]!)} / ${share(choice.table[1]!, choice.half[1]!)}; with the question's words in table and column names ${share(choice.names[0]!, choice.half[0]!)} / ${share(choice.names[1]!, choice.half[1]!)}. "one database" column: the gold tables are present AND the best-scored database (the one the query would run on) is the question's; a schema mixing databases scores higher in the first column than any one query against one database could use.

${markdownTable(['schema given to the model', 'gold tables all present', '… and from the one database', 'gold all present, odd half', 'tables (mean)'], rows(spider, true))}

GeoQuery, all ${geoCases.length} questions whose gold SQL parses (train+dev+test: nothing is trained here), ${geoTables.length} tables, value linking over ${geoValues.reduce((n, v) => n + v.values.length, 0)} distinct text values (one database: retrieval as before):

${markdownTable(['schema given to the model', 'gold tables all present', 'tables (mean)'], rows(geo, false))}

Took ${((performance.now() - started) / 1000).toFixed(0)} s.`;
console.log(body);
appendBenchmark(
  'sql schema retrieval: join paths and schema linking',
  `bash scripts/with-node.sh bench/schema-linking.ts --ks ${flags.ks}`,
  body,
);
await embedder.dispose();
