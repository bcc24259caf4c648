import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { isPostgresUrl } from '../../store/postgres/postgres-backend.ts';
import { cliContext, output } from '../context.ts';

function postgresUrl(command: Command): string {
  const url = cliContext(command).config.store;
  if (!isPostgresUrl(url))
    throw new UsageError(
      `attune store needs a Postgres store: pass --store postgres://USER:PASSWORD@HOST:PORT/DB (got ${url ?? 'the embedded default'})`,
    );
  return url;
}

// the Postgres driver loads only when a subcommand runs
const postgres = () => import('../../store/postgres/stats.ts');

export function registerStore(program: Command): void {
  const store = program
    .command('store')
    .description('manage a Postgres (pgvector) store: schema migrations and statistics');
  store
    .command('migrate')
    .description('apply pending schema migrations (also done on every open; idempotent)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  attune store migrate --store postgres://attune:secret@db.internal:5432/attune')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { applied, version } = await (await postgres()).migrateSchema(postgresUrl(command));
      output(flags.json, { applied, version }, () =>
        applied.length
          ? `applied migrations ${applied.join(', ')}; schema at version ${version}`
          : `schema up to date at version ${version}`,
      );
    });
  store
    .command('stats')
    .description('collections with documents, chunks, vector index and table sizes')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  attune store stats --store postgres://attune:secret@db.internal:5432/attune --json',
    )
    .action(async (flags: { json?: boolean }, command: Command) => {
      const stats = await (await postgres()).postgresStats(postgresUrl(command));
      output(flags.json, stats, () =>
        [
          `schema version ${stats.schemaVersion}; chunks table ${((stats.tableBytes.chunks ?? 0) / 1e6).toFixed(1)} MB`,
          ...stats.collections.map(
            (c) =>
              `${c.name}  ${c.documents} documents, ${c.chunks} chunks, ${c.embedderId} (${c.dimension}-d), ${c.hnswIndex ? 'HNSW index' : 'exact search'}`,
          ),
        ].join('\n'),
      );
    });
}
