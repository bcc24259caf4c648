import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../errors.ts';
import type { SqlDatabase } from './database.ts';

/** The fixture every backend loads, in SQL both SQLite and Postgres accept. */
export const CONTRACT_FIXTURE = [
  'CREATE TABLE state (state_name text PRIMARY KEY, population integer, area real)',
  'CREATE TABLE city (city_name text, state_name text REFERENCES state(state_name), population integer, PRIMARY KEY (city_name, state_name))',
  "INSERT INTO state VALUES ('texas', 14229191, 266807), ('ohio', 10797630, 41330), ('alaska', 401800, 591004)",
  "INSERT INTO city VALUES ('houston', 'texas', 1595138), ('dallas', 'texas', 904078), ('austin', 'texas', 345496), ('columbus', 'ohio', 564871), ('juneau', 'alaska', 19528)",
];

export interface SqlDatabaseContractOptions {
  /** Opens a database holding `CONTRACT_FIXTURE`; called once. */
  make: (fixture: string[]) => Promise<SqlDatabase>;
  /** False where the engine cannot interrupt a running statement (PGlite): the timeout test is skipped. */
  cancelsRunaway?: boolean;
}

/**
 * The contract every SqlDatabase backend passes (STYLE.md §12): schema introspection (columns, keys,
 * samples), queries with a row limit, read-only at the connection even without the validator, and
 * a timeout that stops a runaway query and leaves the database usable.
 */
export function describeSqlDatabaseContract(name: string, options: SqlDatabaseContractOptions): void {
  describe(`SqlDatabase contract: ${name}`, () => {
    let db: SqlDatabase;
    beforeAll(async () => {
      db = await options.make(CONTRACT_FIXTURE);
    }, 60_000);
    afterAll(async () => db?.dispose());

    it('has a dialect and an id that is safe as a folder name', () => {
      expect(['sqlite', 'postgresql']).toContain(db.dialect);
      expect(db.id).toMatch(/^[A-Za-z0-9_.-]+$/);
    });

    it('introspects tables, columns, primary and foreign keys', async () => {
      const tables = await db.introspect({ samples: 0 });
      expect(tables.map((t) => t.name).sort()).toEqual(['city', 'state']);
      const state = tables.find((t) => t.name === 'state')!;
      const city = tables.find((t) => t.name === 'city')!;
      expect(state.columns.map((c) => c.name)).toEqual(['state_name', 'population', 'area']);
      expect(state.columns.filter((c) => c.primaryKey).map((c) => c.name)).toEqual(['state_name']);
      expect(
        city.columns
          .filter((c) => c.primaryKey)
          .map((c) => c.name)
          .sort(),
      ).toEqual(['city_name', 'state_name']);
      expect(state.columns.every((c) => c.type.length > 0)).toBe(true);
      expect(city.foreignKeys).toEqual([{ columns: ['state_name'], table: 'state', references: ['state_name'] }]);
      expect(tables.flatMap((t) => t.columns).every((c) => c.samples === undefined)).toBe(true);
    });

    it('samples distinct values per column, honouring the count and the exclusions', async () => {
      const tables = await db.introspect({ samples: 2, excludeSamples: ['city.population', 'AREA'] });
      const state = tables.find((t) => t.name === 'state')!;
      const city = tables.find((t) => t.name === 'city')!;
      const stateNames = state.columns.find((c) => c.name === 'state_name')!.samples!;
      expect(stateNames).toHaveLength(2);
      expect(stateNames.every((value) => ['texas', 'ohio', 'alaska'].includes(value))).toBe(true);
      expect(state.columns.find((c) => c.name === 'population')!.samples).toHaveLength(2);
      expect(state.columns.find((c) => c.name === 'area')!.samples).toBeUndefined();
      expect(city.columns.find((c) => c.name === 'population')!.samples).toBeUndefined();
    });

    it('returns columns and rows, cut at the row limit and flagged truncated', async () => {
      const all = await db.query('SELECT city_name, population FROM city ORDER BY population DESC');
      expect(all).toEqual({
        columns: ['city_name', 'population'],
        rows: [
          ['houston', 1595138],
          ['dallas', 904078],
          ['columbus', 564871],
          ['austin', 345496],
          ['juneau', 19528],
        ],
        truncated: false,
      });
      const cut = await db.query('SELECT city_name FROM city ORDER BY population DESC', { maxRows: 2 });
      expect(cut).toEqual({ columns: ['city_name'], rows: [['houston'], ['dallas']], truncated: true });
      expect((await db.query('SELECT city_name FROM city', { maxRows: 5 })).truncated).toBe(false);
    });

    it('refuses every write at the connection, without the validator, and changes nothing', async () => {
      for (const write of [
        "INSERT INTO state VALUES ('utah', 1, 1)",
        "UPDATE state SET population = 0 WHERE state_name = 'ohio'",
        'DELETE FROM city',
        'DROP TABLE city',
        'CREATE TABLE intruder (x integer)',
      ]) {
        await expect(db.query(write), write).rejects.toThrow(SqlError);
      }
      expect((await db.query('SELECT city_name FROM city')).rows).toHaveLength(5);
      expect((await db.query("SELECT population FROM state WHERE state_name = 'ohio'")).rows).toEqual([[10797630]]);
      expect((await db.introspect({ samples: 0 })).map((t) => t.name).sort()).toEqual(['city', 'state']);
    });

    it('reports a bad query as a SqlError and keeps working', async () => {
      await expect(db.query('SELECT nope FROM nowhere')).rejects.toThrow(SqlError);
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([[1]]);
    });

    it.skipIf(options.cancelsRunaway === false)('stops a runaway query at the timeout and keeps working', async () => {
      const runaway = 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) AS total FROM n';
      await expect(db.query(runaway, { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([[1]]);
    });
  });
}
