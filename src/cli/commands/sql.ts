import type { Command } from 'commander';
import { createRuntime } from '../../runtime/runtime.ts';
import { UsageError } from '../../errors.ts';
import { askSql, SQL_STRATEGIES, type SqlAnswer, type SqlStrategy } from '../../sql/ask.ts';
import { openDatabase } from '../../sql/database.ts';
import { readSqlDataset } from '../../sql/dataset.ts';
import { evaluateSql } from '../../sql/evaluate.ts';
import {
  DEFAULT_GEOQUERY_FILE,
  GEOQUERY_SCHEMES,
  loadGeoquery,
  type GeoquerySplit,
  type GeoquerySplitScheme,
} from '../../sql/geoquery.ts';
import { sqlTrainingLines } from '../../sql/prompt.ts';
import { SQL_DEFAULT_MODEL, sqlGeneratorConfig } from '../../sql/model.ts';
import { indexDatabase, loadOrIndex, resolveAdapter } from '../../sql/workspace.ts';
import { loadAdapter } from '../../tune/adapters.ts';
import { cliContext, output, parsePositiveInt, type CliContext, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';
import { progressBar } from '../progress.ts';
import { writeAtomicSync } from '../../io/atomic-write.ts';

const warn = (message: string) => process.stderr.write(`attune: ${message}\n`);

function progress(
  enabled: boolean | undefined,
  label: string,
): ((done: number, total: number) => void) & { stop: () => void } {
  const bar = progressBar(label, { force: enabled });
  return Object.assign((done: number, total: number) => bar.update(done, total), { stop: bar.stop });
}

function parseStrategy(value: string): SqlStrategy {
  if (!SQL_STRATEGIES.includes(value as SqlStrategy))
    throw new UsageError(`--strategy must be one of ${SQL_STRATEGIES.join(', ')}, got "${value}"`);
  return value as SqlStrategy;
}

interface AskFlags {
  db: string;
  strategy: string;
  adapter?: string;
  k?: string;
  maxRows?: string;
  timeoutMs?: string;
  json?: boolean;
}

/** Opens db, embedder, index and generator for ask/eval; `run` gets them and they are disposed after. */
async function withResources<T>(
  context: CliContext,
  flags: { db: string; adapter?: string },
  strategies: SqlStrategy[],
  run: (r: {
    ask: (
      question: string,
      strategy: SqlStrategy,
      options?: { k?: number; maxRows?: number; timeoutMs?: number },
    ) => Promise<SqlAnswer>;
    db: Awaited<ReturnType<typeof openDatabase>>;
  }) => Promise<T>,
): Promise<T> {
  if (strategies.includes('ft') && !flags.adapter)
    throw new UsageError('strategy ft needs --adapter NAME (under <home>/adapters) or a GGUF path');
  const adapter = flags.adapter ? resolveAdapter(context.home, flags.adapter) : undefined;
  // a registered adapter knows its base; a bare GGUF adapter file does not
  const adapterBase = adapter
    ? { baseModel: (await loadAdapter(context.home, adapter.name).catch(() => undefined))?.baseModel }
    : undefined;
  const config = sqlGeneratorConfig(context.config, adapterBase);
  const db = await openDatabase(flags.db);
  const runtime = createRuntime({ config, home: context.home, env: context.env });
  try {
    if (adapter) runtime.registerAdapter(adapter.name, adapter.path);
    // the generator first: a model that is not pulled fails before the schema is embedded
    const generator = await runtime.generator();
    const embedder = await runtime.embedder();
    const index = await loadOrIndex(context.home, db, embedder, warn);
    return await run({
      db,
      ask: (question, strategy, options = {}) =>
        askSql(question, { db, index, embedder, generator }, { strategy, adapter: adapter?.name, ...options }),
    });
  } finally {
    await runtime.dispose();
    await db.dispose();
  }
}

export function registerSql(program: Command): void {
  const sql = program
    .command('sql')
    .description('text-to-SQL: retrieve only the schema a question needs, validate, run read-only, measure');

  sql
    .command('index')
    .description(
      'build schema cards (tables, keys, join paths, samples), docs and example pairs for a database, embedded',
    )
    .requiredOption('--db <url>', 'sqlite:PATH, a .sqlite/.db file, or postgres://…')
    .option('--docs <path>', 'business documentation: a .md/.txt file or a folder of them')
    .option('--examples <file>', 'example question→SQL pairs, JSONL {question, sql}')
    .option('--samples <n>', 'distinct sample values per column (0 = none)', '3')
    .option('--no-samples', 'store no sample values at all (sensitive data)')
    .option('--exclude-samples <columns>', 'comma-separated columns never sampled: table.column or column')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--json', 'print the index summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  attune sql index --db sqlite:geography.sqlite --examples train.jsonl\n  attune sql index --db postgres://me@localhost/shop --docs docs/ --exclude-samples customers.email,phone',
    )
    .action(
      async (
        flags: {
          db: string;
          docs?: string;
          examples?: string;
          samples: string | boolean;
          excludeSamples?: string;
          progress?: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        const context = cliContext(command);
        const samples = flags.samples === false ? 0 : Number(flags.samples);
        if (!Number.isInteger(samples) || samples < 0)
          throw new UsageError(`--samples must be a whole number >= 0, got "${flags.samples}"`);
        const db = await openDatabase(flags.db);
        const runtime = createRuntime({ config: context.config, home: context.home, env: context.env });
        const bar = progress(flags.progress, 'embedding');
        try {
          const embedder = await runtime.embedder();
          const { index, path } = await indexDatabase(context.home, db, embedder, {
            docs: flags.docs,
            examples: flags.examples,
            samples,
            excludeSamples: flags.excludeSamples
              ?.split(',')
              .map((s) => s.trim())
              .filter(Boolean),
            onWarning: warn,
            onProgress: bar,
          });
          bar.stop();
          const count = (kind: string) => index.cards.filter((card) => card.kind === kind).length;
          const summary = {
            databaseId: index.databaseId,
            path,
            tables: count('table'),
            docs: count('doc'),
            examples: count('example'),
            joins: index.joins.length,
          };
          output(
            flags.json,
            summary,
            () =>
              `indexed ${summary.tables} tables, ${summary.docs} doc passages, ${summary.examples} examples, ${summary.joins} join paths → ${path}`,
          );
        } finally {
          bar.stop();
          await runtime.dispose();
          await db.dispose();
        }
      },
    );

  sql
    .command('ask')
    .argument('<question>', 'the question, in words')
    .description(
      'question → SQL (validated: one read-only SELECT) → rows, with retrieved tables, attempts, timings and usage',
    )
    .requiredOption('--db <url>', 'sqlite:PATH, a .sqlite/.db file, or postgres://…')
    .option('-s, --strategy <name>', `one of ${SQL_STRATEGIES.join(', ')}`, 'retrieved-schema')
    .option('--adapter <name>', 'LoRA adapter for ft: a name under <home>/adapters or a GGUF path')
    .option('--k <n>', 'tables to retrieve before foreign-key partners are added', '3')
    .option('--max-rows <n>', 'row limit', '1000')
    .option('--timeout-ms <n>', 'statement timeout', '5000')
    .option(MODEL_FLAG, `${MODEL_FLAG_HELP} (sql's default: ${SQL_DEFAULT_MODEL}, or a registered --adapter's base)`)
    .option('--json', 'print {sql, columns, rows, retrievedTables, tablesUsed, attempts, timings, usage}')
    .addHelpText(
      'after',
      '\nExamples:\n  attune sql ask "which state has the most people?" --db sqlite:geography.sqlite\n  attune sql ask "how many rivers are there" --db geo.sqlite --strategy ft --adapter geo-sql --json',
    )
    .action(async (question: string, flags: AskFlags, command: Command) => {
      const context = cliContext(command);
      const strategy = parseStrategy(flags.strategy);
      const options = {
        k: parsePositiveInt(flags.k ?? '3', '--k'),
        maxRows: parsePositiveInt(flags.maxRows ?? '1000', '--max-rows'),
        timeoutMs: parsePositiveInt(flags.timeoutMs ?? '5000', '--timeout-ms'),
      };
      const answer = await withResources(context, flags, [strategy], ({ ask }) => ask(question, strategy, options));
      output(flags.json, answer, () => renderAnswer(answer));
    });

  sql
    .command('eval')
    .description(
      'execution accuracy, valid-SQL rate, prompt tokens and latency per strategy on a JSONL {question, sql} dataset',
    )
    .requiredOption('--dataset <file>', 'JSONL of {question, sql}')
    .requiredOption('--db <url>', 'the database the gold SQL runs on')
    .option('--strategies <list>', 'comma-separated strategies', 'full-schema,retrieved-schema')
    .option('--adapter <name>', 'LoRA adapter for ft')
    .option('--k <n>', 'tables to retrieve (retrieved-schema)', '3')
    .option('--limit <n>', 'first N questions only')
    .option('--out <file>', 'also write every result row as JSONL')
    .option(MODEL_FLAG, `${MODEL_FLAG_HELP} (sql's default: ${SQL_DEFAULT_MODEL}, or a registered --adapter's base)`)
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .option('--json', 'print {summary, rows} as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  attune sql import-geoquery --split test --out geo-test.jsonl\n  attune sql eval --dataset geo-test.jsonl --db sqlite:geography.sqlite --strategies full-schema,retrieved-schema --limit 50',
    )
    .action(
      async (
        flags: {
          dataset: string;
          db: string;
          strategies: string;
          adapter?: string;
          k: string;
          limit?: string;
          out?: string;
          progress?: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        const context = cliContext(command);
        const strategies = flags.strategies.split(',').map((s) => parseStrategy(s.trim()));
        const k = parsePositiveInt(flags.k, '--k');
        let dataset = readSqlDataset(flags.dataset, (error) => warn(`skipped: ${error.message}`));
        if (flags.limit) dataset = dataset.slice(0, parsePositiveInt(flags.limit, '--limit'));
        const bar = progress(flags.progress, 'eval');
        const result = await withResources(context, flags, strategies, ({ db, ask }) =>
          evaluateSql(dataset, strategies, { db, ask: (q, s) => ask(q, s, { k }), onProgress: bar }),
        );
        bar.stop();
        if (flags.out) writeAtomicSync(flags.out, `${result.rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
        output(flags.json, result, () =>
          [
            'strategy           questions  exec-acc  valid-sql  prompt-tok  latency-ms',
            ...result.summary.map(
              (s) =>
                `${s.strategy.padEnd(18)} ${String(s.questions).padStart(9)}  ${(s.executionAccuracy * 100).toFixed(1).padStart(7)}%  ${(s.validSqlRate * 100).toFixed(1).padStart(8)}%  ${s.meanPromptTokens.toFixed(0).padStart(10)}  ${s.meanLatencyMs.toFixed(0).padStart(10)}`,
            ),
          ].join('\n'),
        );
      },
    );

  sql
    .command('training-data')
    .description('question → SQL pairs as chat JSONL for `attune tune`, in the prompt strategy ft answers with')
    .requiredOption(
      '--examples <file>',
      'JSONL of {question, sql} (e.g. from `attune sql import-geoquery --split train`)',
    )
    .requiredOption('--out <file>', 'chat JSONL to write')
    .option('--dialect <name>', 'sqlite or postgresql', 'sqlite')
    .option('--json', 'print {out, count, skipped} as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  attune sql import-geoquery --split train --scheme query --out geo-train.jsonl\n  attune sql training-data --examples geo-train.jsonl --out geo-ft.jsonl\n  attune tune --data geo-ft.jsonl --name geo-sql\n  attune sql eval --dataset geo-test.jsonl --db geography.sqlite --strategies retrieved-schema,ft --adapter geo-sql',
    )
    .action((flags: { examples: string; out: string; dialect: string; json?: boolean }) => {
      if (flags.dialect !== 'sqlite' && flags.dialect !== 'postgresql')
        throw new UsageError(`--dialect must be sqlite or postgresql, got "${flags.dialect}"`);
      let skipped = 0;
      const examples = readSqlDataset(flags.examples, (error) => {
        skipped++;
        warn(`skipped: ${error.message}`);
      });
      if (examples.length === 0) throw new UsageError(`${flags.examples}: no valid {question, sql} lines`);
      writeAtomicSync(
        flags.out,
        `${sqlTrainingLines(examples, flags.dialect)
          .map((line) => JSON.stringify(line))
          .join('\n')}\n`,
      );
      output(
        flags.json,
        { out: flags.out, count: examples.length, skipped },
        () => `wrote ${examples.length} training examples → ${flags.out}${skipped ? ` (${skipped} skipped)` : ''}`,
      );
    });

  sql
    .command('import-geoquery')
    .description('write a GeoQuery split as JSONL {question, sql}, variables substituted')
    .requiredOption('--split <name>', 'train, dev or test')
    .option(
      '--scheme <name>',
      'query (template-disjoint: no test SQL appears in train) or question (the original split; test SQL is often in train)',
      'query',
    )
    .requiredOption('--out <file>', 'JSONL file to write')
    .option('--file <path>', 'geography.json', DEFAULT_GEOQUERY_FILE)
    .option('--json', 'print {out, count} as JSON')
    .addHelpText('after', '\nExample:\n  attune sql import-geoquery --split train --out geo-train.jsonl')
    .action((flags: { split: string; scheme: string; out: string; file: string; json?: boolean }) => {
      if (!['train', 'dev', 'test'].includes(flags.split))
        throw new UsageError(`--split must be train, dev or test, got "${flags.split}"`);
      if (!GEOQUERY_SCHEMES.includes(flags.scheme as GeoquerySplitScheme))
        throw new UsageError(`--scheme must be ${GEOQUERY_SCHEMES.join(' or ')}, got "${flags.scheme}"`);
      const examples = loadGeoquery(flags.file, flags.split as GeoquerySplit, flags.scheme as GeoquerySplitScheme);
      writeAtomicSync(flags.out, `${examples.map((example) => JSON.stringify(example)).join('\n')}\n`);
      output(
        flags.json,
        { out: flags.out, count: examples.length, scheme: flags.scheme },
        () => `wrote ${examples.length} questions (${flags.scheme} split) → ${flags.out}`,
      );
    });
}

function renderAnswer(answer: SqlAnswer): string {
  const lines = [`-- tables: ${answer.retrievedTables.join(', ')}`, answer.sql ?? '(no SQL)'];
  if (answer.error) {
    lines.push(`error (${answer.error.kind}): ${answer.error.message}`);
  } else {
    lines.push(
      '',
      answer.columns.join(' | '),
      ...answer.rows.slice(0, 20).map((row) => row.map((v) => String(v)).join(' | ')),
    );
    if (answer.rows.length > 20 || answer.truncated)
      lines.push(`… ${answer.rows.length} rows${answer.truncated ? ' (row limit reached)' : ''}`);
  }
  return lines.join('\n');
}
