import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { MIGRATIONS } from '../../store/postgres/migrations.ts';
import { connect, isPostgresUrl } from '../../store/postgres/postgres-backend.ts';
import { hnswIndexName } from '../../store/postgres/postgres-store.ts';
import { cliContext, output } from '../context.ts';

function postgresUrl(command: Command): string {
  const url = cliContext(command).config.store;
  if (!isPostgresUrl(url)) throw new UsageError(`attune store needs a Postgres store: pass --store postgres://USER:PASSWORD@HOST:PORT/DB (got ${url ?? 'the embedded default'})`);
  return url;
}

export function registerStore(program: Command): void {
  const store = program.command('store').description('manage a Postgres (pgvector) store: schema migrations and statistics');
  store
    .command('migrate')
    .description('apply pending schema migrations (also done on every open; idempotent)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  attune store migrate --store postgres://attune:secret@db.internal:5432/attune')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { pool, applied } = await connect(postgresUrl(command));
      await pool.end();
      const version = Math.max(...MIGRATIONS.map((m) => m.version));
      output(flags.json, { applied, version }, () => (applied.length ? `applied migrations ${applied.join(', ')}; schema at version ${version}` : `schema up to date at version ${version}`));
    });
  store
    .command('stats')
    .description('collections with documents, chunks, vector index and table sizes')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  attune store stats --store postgres://attune:secret@db.internal:5432/attune --json')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { pool } = await connect(postgresUrl(command));
      try {
        const { rows } = await pool.query(`
          SELECT c.name, c.embedder_id, c.dimension, c.created_at,
            (SELECT count(*)::int FROM documents d WHERE d.collection = c.name) AS documents,
            (SELECT count(*)::int FROM chunks k WHERE k.collection = c.name) AS chunks
          FROM collections c ORDER BY c.name`);
        const indexes = new Set((await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = 'chunks'")).rows.map((r) => r.indexname));
        const sizes = (await pool.query("SELECT relname, pg_total_relation_size(oid)::bigint AS bytes FROM pg_class WHERE relname IN ('chunks', 'documents', 'collections')")).rows;
        const version = (await pool.query('SELECT max(version) AS v FROM schema_migrations')).rows[0].v;
        const stats = {
          schemaVersion: version,
          tableBytes: Object.fromEntries(sizes.map((r) => [r.relname, Number(r.bytes)])),
          collections: rows.map((r) => ({
            name: r.name,
            embedderId: r.embedder_id,
            dimension: r.dimension,
            createdAt: new Date(r.created_at).toISOString(),
            documents: r.documents,
            chunks: r.chunks,
            hnswIndex: indexes.has(hnswIndexName(r.name)),
          })),
        };
        output(flags.json, stats, () =>
          [
            `schema version ${version}; chunks table ${((stats.tableBytes.chunks ?? 0) / 1e6).toFixed(1)} MB`,
            ...stats.collections.map((c) => `${c.name}  ${c.documents} documents, ${c.chunks} chunks, ${c.embedderId} (${c.dimension}-d), ${c.hnswIndex ? 'HNSW index' : 'exact search'}`),
          ].join('\n'),
        );
      } finally {
        await pool.end();
      }
    });
}
