/**
 * attune sql benchmark: Spider-dev schema-retrieval recall@k (all 1,034 questions, 166 schemas in one
 * index and per database) and GeoQuery execution accuracy, full-schema vs retrieved-schema (vs ft
 * when an adapter is given), with prompt-token savings. Appends a dated section to BENCHMARKS.md.
 *
 *   bash scripts/with-node.sh bench/sql.ts [--geo-limit N] [--k N] [--scheme query|question] [--model NAME|PATH] [--adapter NAME|PATH] [--home DIR]
 * The GeoQuery split defaults to the template-disjoint query split; Spider per-database recall is
 * reported only for databases with more than 5 tables.
 */
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/config.ts';
import { homeDir } from '../src/config/paths.ts';
import { createEmbedder, createGenerator } from '../src/runtime/backends.ts';
import { askSql, type SqlStrategy } from '../src/sql/ask.ts';
import { openDatabase } from '../src/sql/database.ts';
import { evaluateSql } from '../src/sql/evaluate.ts';
import { GEOQUERY_SCHEMES, loadGeoquery, type GeoquerySplitScheme } from '../src/sql/geoquery.ts';
import { measureSchemaRecall } from '../src/sql/schema-recall.ts';
import { buildSqlIndex } from '../src/sql/sql-index.ts';
import { loadSpiderQuestions, loadSpiderSchemas } from '../src/sql/spider.ts';
import { resolveAdapter } from '../src/sql/workspace.ts';
import { datasetsDir } from '../src/testing/datasets.ts';

const { values: flags } = parseArgs({
  options: {
    'geo-limit': { type: 'string', default: '40' },
    k: { type: 'string', default: '3' },
    adapter: { type: 'string' },
    home: { type: 'string' },
    scheme: { type: 'string', default: 'query' },
    model: { type: 'string' },
  },
});
if (!GEOQUERY_SCHEMES.includes(flags.scheme as GeoquerySplitScheme))
  throw new Error(`--scheme must be ${GEOQUERY_SCHEMES.join(' or ')}`);
const scheme = flags.scheme as GeoquerySplitScheme;
const geoLimit = Number(flags['geo-limit']);
const k = Number(flags.k);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const config = parseConfig(flags.model ? { generator: { provider: 'llama', model: flags.model } } : {});
const loadAtStart = loadavg()[0]!;
const embedder = await createEmbedder(config);
const started = performance.now();

// 1. Spider-dev schema retrieval recall
const schemas = loadSpiderSchemas(join(datasetsDir, 'spider-dev', 'tables.json'));
const spiderQuestions = loadSpiderQuestions(join(datasetsDir, 'spider-dev', 'dev.json'), schemas);
log(`spider: embedding ${[...schemas.values()].flat().length} table cards and ${spiderQuestions.length} questions`);
const recall = await measureSchemaRecall(schemas, spiderQuestions, embedder);
const recallMs = performance.now() - started;

// 2. GeoQuery execution accuracy
const geoFile = join(datasetsDir, 'geoquery', 'geography.json');
const dir = mkdtempSync(join(tmpdir(), 'attune-bench-sql-'));
const dbPath = join(dir, 'geo.sqlite');
copyFileSync(join(datasetsDir, 'geoquery', 'geography-db.added-in-2020.sqlite'), dbPath);
const adapter = flags.adapter ? resolveAdapter(homeDir(flags.home), flags.adapter) : undefined;
const strategies: SqlStrategy[] = adapter
  ? ['full-schema', 'retrieved-schema', 'ft']
  : ['full-schema', 'retrieved-schema'];
const generator = await createGenerator(config, { adapters: adapter ? { [adapter.name]: adapter.path } : undefined });
const db = await openDatabase(dbPath);
const train = loadGeoquery(geoFile, 'train', scheme);
const test = loadGeoquery(geoFile, 'test', scheme);
const dataset = test.slice(0, geoLimit);
log(
  `geoquery: indexing schema + ${train.length} train examples; evaluating ${dataset.length}/${test.length} test questions × ${strategies.join(', ')}`,
);
const index = await buildSqlIndex(
  { databaseId: db.id, dialect: db.dialect, tables: await db.introspect(), examples: train },
  embedder,
);
const geoStarted = performance.now();
const { summary, rows } = await evaluateSql(dataset, strategies, {
  db,
  ask: (question, strategy) =>
    askSql(question, { db, index, embedder, generator }, { strategy, k, adapter: adapter?.name }),
  onProgress: (done, total) => done % 10 === 0 && log(`geoquery ${done}/${total}`),
});
const geoMs = performance.now() - geoStarted;
await db.dispose();
await generator.dispose();
await embedder.dispose();
rmSync(dir, { recursive: true, force: true });

const full = summary.find((s) => s.strategy === 'full-schema')!;
const retrieved = summary.find((s) => s.strategy === 'retrieved-schema')!;
const tablesInPrompt = (strategy: SqlStrategy) => {
  const mine = rows.filter((row) => row.strategy === strategy);
  return mine.reduce((sum, row) => sum + row.retrievedTables.length, 0) / (mine.length || 1);
};
const savings = full.meanPromptTokens ? 1 - retrieved.meanPromptTokens / full.meanPromptTokens : 0;

const table = [
  '| Spider-dev schema retrieval (1,034 questions, 876 tables) | recall@1 | recall@3 | recall@5 |',
  '|---|---|---|---|',
  `| all 166 schemas in one index | ${pct(recall.global[1]!)} | ${pct(recall.global[3]!)} | ${pct(recall.global[5]!)} |`,
  ...recall.perDatabase.map(
    (db) =>
      `| only ${db.database}'s ${db.tables} tables (${db.questions} questions) | ${pct(db.recall[1]!)} | ${pct(db.recall[3]!)} | ${pct(db.recall[5]!)} |`,
  ),
  '',
  `| GeoQuery ${scheme}-split test (first ${dataset.length} of ${test.length}) | exec accuracy | valid SQL | prompt tokens | tables in prompt | latency |`,
  '|---|---|---|---|---|---|',
  ...summary.map(
    (s) =>
      `| ${s.strategy} | ${pct(s.executionAccuracy)} (${s.scored} scored) | ${pct(s.validSqlRate)} | ${s.meanPromptTokens.toFixed(0)} | ${tablesInPrompt(s.strategy).toFixed(1)} | ${(s.meanLatencyMs / 1000).toFixed(1)} s |`,
  ),
].join('\n');

const section = `
## attune sql: schema retrieval and text-to-SQL (${new Date().toISOString().slice(0, 10)})

Machine: 2-core x86_64 CPU, 24 GB, no GPU; 1-minute load average at start and end: ${loadAtStart.toFixed(1)} and ${loadavg()[0]!.toFixed(1)} (above 2: other work shared the cores). Command: \`bash scripts/with-node.sh bench/sql.ts --geo-limit ${geoLimit} --k ${k} --scheme ${scheme}${flags.model ? ` --model ${flags.model}` : ''}${flags.adapter ? ` --adapter ${flags.adapter}` : ''}\`.
Models: embedder ${index.embedderId}, generator ${generator.id}${flags.model ? '' : ' (defaults)'}, JSON-schema constrained output \`{sql}\`, greedy, one retry with the error.
GeoQuery split: ${scheme === 'query' ? 'query (template-disjoint: no test SQL is in the train split)' : 'question (the original split: test gold SQL often appears in train)'}; train examples and adapters come from the same split.
Retrieved-schema: top ${k} table cards + the tables their (inferred) foreign keys reference; both strategies get the same 3 nearest train examples.

${table}

Prompt-token savings of retrieved-schema vs full-schema on GeoQuery (7 tables): ${pct(savings)} (prompt tokens summed over attempts).
${adapter ? '' : 'ft: not measured (no --adapter given).\n'}Spider recall took ${(recallMs / 1000).toFixed(0)} s; GeoQuery evaluation ${(geoMs / 1000).toFixed(0)} s.
`;
process.stdout.write(`${table}\n\nprompt-token savings: ${pct(savings)}\n`);
appendFileSync(new URL('../BENCHMARKS.md', import.meta.url), section);
log(`appended to BENCHMARKS.md${existsSync(new URL('../BENCHMARKS.md', import.meta.url)) ? '' : ' (created)'}`);
