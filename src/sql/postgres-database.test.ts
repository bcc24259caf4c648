import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqlDatabase } from './database.ts';
import { validateSql } from './validate.ts';

// Postgres over the wire: PGlite (WASM Postgres) served on 127.0.0.1, reached through `pg` like any server.
describe('PostgresDatabase', () => {
  let pglite: PGlite;
  let server: PGLiteSocketServer;
  let db: SqlDatabase;
  const port = 15_000 + Math.floor(Math.random() * 20_000);

  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec(`
      CREATE TABLE state (state_name text PRIMARY KEY, population int, area double precision);
      COMMENT ON TABLE state IS 'US states';
      COMMENT ON COLUMN state.area IS 'square miles';
      CREATE TABLE city (city_name text, state_name text REFERENCES state(state_name), population int, PRIMARY KEY (city_name, state_name));
      INSERT INTO state VALUES ('texas', 14229191, 266807), ('ohio', 10797630, 41330), ('alaska', 401800, 591004);
      INSERT INTO city VALUES ('houston', 'texas', 1595138), ('dallas', 'texas', 904078), ('columbus', 'ohio', 564871);
    `);
    server = new PGLiteSocketServer({ db: pglite, port, host: '127.0.0.1' });
    await server.start();
    db = await openDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`);
  }, 60_000);

  afterAll(async () => {
    await db?.dispose();
    await server?.stop();
    await pglite?.close();
  });

  it('introspects columns, keys, comments and samples', async () => {
    const tables = await db.introspect({ samples: 2, excludeSamples: ['population'] });
    const state = tables.find((t) => t.name === 'state')!;
    const city = tables.find((t) => t.name === 'city')!;
    expect(state.comment).toBe('US states');
    expect(state.columns.find((c) => c.name === 'area')!.comment).toBe('square miles');
    expect(state.columns.find((c) => c.name === 'state_name')!.primaryKey).toBe(true);
    expect(state.columns.find((c) => c.name === 'state_name')!.samples).toHaveLength(2);
    expect(state.columns.find((c) => c.name === 'population')!.samples).toBeUndefined();
    expect(city.foreignKeys).toEqual([{ columns: ['state_name'], table: 'state', references: ['state_name'] }]);
    expect(db.id).not.toContain('@');
  });

  it('runs a validated query with a row limit', async () => {
    const checked = validateSql('SELECT city_name FROM city ORDER BY population DESC;', 'postgresql');
    expect(checked.ok).toBe(true);
    const result = await db.query(checked.ok ? checked.sql : '', { maxRows: 2 });
    expect(result).toEqual({ columns: ['city_name'], rows: [['houston'], ['dallas']], truncated: true });
  });

  it('refuses writes in the READ ONLY transaction even without the validator', async () => {
    await expect(
      db.query("SELECT * FROM state WHERE state_name IN (SELECT 'x') UNION ALL SELECT * FROM state"),
    ).resolves.toBeTruthy();
    await expect(db.query('DELETE FROM city')).rejects.toThrow();
    await expect(db.query('WITH gone AS (DELETE FROM city RETURNING *) SELECT * FROM gone')).rejects.toThrow(
      /read-only|top level/,
    );
    expect((await db.query('SELECT count(*)::int AS n FROM city')).rows).toEqual([[3]]);
  });

  // the validator is bypassed: the database layer alone must keep every row
  it('refuses stacked statements that close the wrapper and commit a write', async () => {
    const hostile = [
      'SELECT 1) x; COMMIT; DELETE FROM city; SELECT * FROM (SELECT 1',
      'SELECT 1) x; COMMIT; SET default_transaction_read_only = off; DELETE FROM city; SELECT * FROM (SELECT 1',
      "SELECT 1) x; ROLLBACK; BEGIN READ WRITE; INSERT INTO city VALUES ('x', 'ohio', 1); COMMIT; SELECT * FROM (SELECT 1",
    ];
    for (const sql of hostile) {
      expect(validateSql(sql, 'postgresql').ok).toBe(false);
      await expect(db.query(sql)).rejects.toThrow(/multiple commands|syntax/);
    }
    expect((await db.query('SELECT count(*)::int AS n FROM city')).rows).toEqual([[3]]);
  });

  it('keeps the session read-only by default, outside the wrapper transaction too', async () => {
    expect((await db.query("SELECT current_setting('default_transaction_read_only')")).rows).toEqual([['on']]);
  });

  // PGlite is single-threaded WASM and cannot cancel a running statement, so the test checks the
  // settings each query runs under; a real server enforces them.
  it('runs each query in a READ ONLY transaction with the statement timeout set', async () => {
    const settings = await db.query(
      "SELECT current_setting('statement_timeout') AS timeout, current_setting('transaction_read_only') AS read_only",
      { timeoutMs: 1500 },
    );
    expect(settings.rows).toEqual([['1500ms', 'on']]);
    expect((await db.query("SELECT current_setting('statement_timeout')")).rows[0]![0]).toBe('5s');
  });

  // the role documented in src/server/README.md ("Text-to-SQL on Postgres"): a third wall that does not depend on attune
  it('the documented read-only role cannot write even in a READ WRITE transaction', async () => {
    // PGlite is one session, shared with \`db\`, which made it read-only by default: the setup lifts that for itself
    await pglite.exec('SET default_transaction_read_only = off');
    await pglite.exec(`
      CREATE ROLE attune_reader LOGIN PASSWORD 'change-me';
      GRANT CONNECT ON DATABASE postgres TO attune_reader;
      GRANT USAGE ON SCHEMA public TO attune_reader;
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO attune_reader;
      ALTER ROLE attune_reader SET default_transaction_read_only = on;
      ALTER ROLE attune_reader SET statement_timeout = '5s';
      SET ROLE attune_reader;
    `);
    try {
      expect((await pglite.query('SELECT count(*)::int AS n FROM city')).rows).toEqual([{ n: 3 }]);
      await expect(pglite.exec('BEGIN READ WRITE; DELETE FROM city; COMMIT')).rejects.toThrow(/permission denied/);
    } finally {
      await pglite.exec('ROLLBACK').catch(() => {});
      await pglite.exec('RESET ROLE; SET default_transaction_read_only = on');
    }
    expect((await db.query('SELECT count(*)::int AS n FROM city')).rows).toEqual([[3]]);
  });
});
