/**
 * Schema retrieval with and without join paths and schema linking (issue #15 item 7):
 * - Spider dev (1,034 questions; all 166 schemas, 876 tables, in ONE index: the retriever must also
 *   find the right database). Spider ships no databases, so only table-name linking applies (no values).
 * - GeoQuery (all 877 questions over its 7-table SQLite database), with value linking.
 * For each question: the top-k tables by embedding, then (a) + the tables their foreign keys reference
 * (what `sql ask` did before), (b) + tables the question names or quotes a value of, connected through
 * the shortest join paths. A question counts when every table its gold SQL reads is in the set.
 *
 *   bash scripts/with-node.sh bench/schema-linking.ts [--ks 3,5]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import type { TableSchema } from '../src/sql/database.ts';
import { openDatabase } from '../src/sql/database.ts';
import { loadGeoquery } from '../src/sql/geoquery.ts';
import { connectTables } from '../src/sql/join-graph.ts';
import { joinPaths, joinPartners, tableCardText, type JoinPath, type SchemaCard } from '../src/sql/schema-cards.ts';
import { collectValues, linkTables, type ColumnValues } from '../src/sql/schema-linking.ts';
import { embedCards, rankCards } from '../src/sql/sql-index.ts';
import { loadSpiderQuestions, loadSpiderSchemas } from '../src/sql/spider.ts';
import { validateSql } from '../src/sql/validate.ts';
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
  candidates: string[];
}
interface Setting {
  recall: number;
  meanTables: number;
}

/** Ranks table cards for every question and measures the three ways of turning a ranking into a schema. */
async function measure(
  name: string,
  schemas: Map<string, TableSchema[]>,
  cases: Case[],
  values: ColumnValues[],
  prefix: boolean,
) {
  const key = (database: string, table: string) => (prefix ? `${database}.${table}` : table);
  const joins: JoinPath[] = [];
  const cards: SchemaCard[] = [];
  const nameOf = new Map<string, string>();
  for (const [database, tables] of schemas) {
    const paths = joinPaths(tables);
    joins.push(...paths.map((p) => ({ ...p, from: key(database, p.from), to: key(database, p.to) })));
    for (const table of tables) {
      cards.push({
        kind: 'table',
        id: key(database, table.name),
        text: tableCardText(table, paths, prefix ? database : undefined),
      });
      nameOf.set(key(database, table.name), table.name);
    }
  }
  log(`${name}: embedding ${cards.length} table cards and ${cases.length} questions`);
  const indexed = await embedCards(cards, embedder);
  const questions = await embedCards(
    cases.map((c, i) => ({ kind: 'doc', id: String(i), text: c.question })),
    embedder,
  );
  const results: Record<string, Setting> = {};
  for (const k of ks) {
    const sets: Record<string, string[][]> = {
      [`top-${k}`]: [],
      [`top-${k} + referenced tables (before)`]: [],
      [`top-${k} + linked tables + join paths (now)`]: [],
    };
    cases.forEach((item, i) => {
      const top = rankCards(indexed, questions[i]!.vector, 'table')
        .slice(0, k)
        .map((hit) => hit.card.id);
      const parents = top.flatMap((table) => joinPartners(table, joins));
      // linking looks only in the databases the top-k came from (one database in a real deployment)
      const databases = new Set(top.map((id) => (prefix ? id.split('.')[0] : '')));
      const candidates = [...nameOf.keys()].filter((id) => databases.has(prefix ? id.split('.')[0]! : ''));
      const linked = linkTables(
        item.question,
        candidates.map((id) => nameOf.get(id)!),
        values,
      ).map((link) => candidates.find((id) => nameOf.get(id) === link.table)!);
      const now = [...new Set([...connectTables([...top, ...linked], joins), ...parents])];
      const [plain, before, after] = Object.values(sets);
      plain!.push(top);
      before!.push([...new Set([...top, ...parents])]);
      after!.push(now);
    });
    for (const [setting, chosen] of Object.entries(sets)) {
      const hits = chosen.filter((set, i) => cases[i]!.gold.every((table) => set.includes(table))).length;
      results[setting] = {
        recall: hits / cases.length,
        meanTables: chosen.reduce((sum, set) => sum + set.length, 0) / cases.length,
      };
    }
  }
  return results;
}

const spiderSchemas = loadSpiderSchemas(join(datasetsDir, 'spider-dev', 'tables.json'));
const spiderCases = loadSpiderQuestions(join(datasetsDir, 'spider-dev', 'dev.json'), spiderSchemas).map((q) => ({
  question: q.question,
  gold: q.tables.map((t) => `${q.database}.${t}`),
  candidates: [],
}));
const spider = await measure('spider', spiderSchemas, spiderCases, [], true);

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
        candidates: [],
      },
    ];
  });
const geo = await measure('geoquery', new Map([['geo', geoTables]]), geoCases, geoValues, false);

const rows = (results: Record<string, Setting>) =>
  Object.entries(results).map(([setting, r]) => [setting, `${(r.recall * 100).toFixed(1)}%`, r.meanTables.toFixed(2)]);
const body = `Share of questions whose gold SQL's tables are ALL in the schema given to the model, and how many tables that schema holds on average. Embedder all-MiniLM-L6-v2; table cards as \`sql index\` builds them.

Spider dev, ${spiderCases.length} questions, all ${[...spiderSchemas.values()].flat().length} tables of ${spiderSchemas.size} databases in one index (no sample values: Spider ships no databases, so only table-name linking applies):

${markdownTable(['schema given to the model', 'gold tables all present', 'tables (mean)'], rows(spider))}

GeoQuery, all ${geoCases.length} questions whose gold SQL parses (train+dev+test: nothing is trained here), ${geoTables.length} tables, value linking over ${geoValues.reduce((n, v) => n + v.values.length, 0)} distinct text values:

${markdownTable(['schema given to the model', 'gold tables all present', 'tables (mean)'], rows(geo))}

Took ${((performance.now() - started) / 1000).toFixed(0)} s.`;
console.log(body);
appendBenchmark(
  'sql schema retrieval: join paths and schema linking',
  `bash scripts/with-node.sh bench/schema-linking.ts --ks ${flags.ks}`,
  body,
);
await embedder.dispose();
