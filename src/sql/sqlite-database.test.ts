import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetsDir } from '../testing/datasets.ts';
import { openDatabase, parseDatabaseUrl, type SqlDatabase } from './database.ts';

const source = join(datasetsDir, 'geoquery', 'geography-db.added-in-2020.sqlite');
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('SqliteDatabase', () => {
  let dir: string;
  let path: string;
  let db: SqlDatabase;
  let before: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attune-sqlite-'));
    path = join(dir, 'geo.sqlite');
    copyFileSync(source, path);
    before = sha(path);
    db = await openDatabase(`sqlite:${path}`);
  });
  afterAll(async () => {
    await db.dispose();
    expect(sha(path)).toBe(before);
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses URLs and refuses unknown ones', () => {
    expect(parseDatabaseUrl(source)).toEqual({ kind: 'sqlite', path: source });
    expect(parseDatabaseUrl('postgres://u:p@h/db').kind).toBe('postgres');
    expect(() => parseDatabaseUrl('mysql://x')).toThrow(/cannot tell/);
    expect(() => parseDatabaseUrl('sqlite:/nope/missing.db')).toThrow(/not found/);
  });

  it('introspects tables, columns and samples, honouring exclusions', async () => {
    const tables = await db.introspect({ samples: 2, excludeSamples: ['city.population'] });
    expect(tables.map((t) => t.name)).toEqual(['border_info', 'city', 'highlow', 'lake', 'mountain', 'river', 'state']);
    const city = tables.find((t) => t.name === 'city')!;
    expect(city.columns.map((c) => c.name)).toContain('state_name');
    expect(city.columns.find((c) => c.name === 'city_name')!.samples).toHaveLength(2);
    expect(city.columns.find((c) => c.name === 'population')!.samples).toBeUndefined();
    const none = await db.introspect({ samples: 0 });
    expect(none.flatMap((t) => t.columns).every((c) => c.samples === undefined)).toBe(true);
  });

  it('runs a query with a row limit', async () => {
    const result = await db.query('SELECT state_name, population FROM state ORDER BY population DESC', { maxRows: 3 });
    expect(result.columns).toEqual(['state_name', 'population']);
    expect(result.rows).toHaveLength(3);
    expect(result.rows[0]![0]).toBe('california');
    expect(result.truncated).toBe(true);
  });

  it('refuses writes at the connection even without the validator', async () => {
    await expect(db.query('DELETE FROM city')).rejects.toThrow(/not authorized|readonly/i);
    await expect(db.query("ATTACH DATABASE ':memory:' AS x")).rejects.toThrow(/not authorized/i);
    await expect(db.query('PRAGMA writable_schema = 1')).rejects.toThrow(/not authorized/i);
    await expect(db.query("SELECT load_extension('x')")).rejects.toThrow(/not authorized|load_extension/i);
    expect((await db.query('SELECT count(*) FROM city')).rows[0]![0]).toBeGreaterThan(300);
  });

  it('refuses the catalog and memory-hungry functions at the connection even without the validator', async () => {
    await expect(db.query('SELECT name FROM sqlite_master')).rejects.toThrow(/prohibited/i);
    await expect(db.query('SELECT sql FROM sqlite_schema')).rejects.toThrow(/prohibited/i);
    await expect(db.query('SELECT length(zeroblob(1000000000))')).rejects.toThrow(/not authorized/i);
    await expect(db.query('SELECT length(randomblob(1000000000))')).rejects.toThrow(/not authorized/i);
    expect((await db.query('SELECT count(*) FROM city')).rows[0]![0]).toBeGreaterThan(300);
  });

  it('stops a runaway query at the timeout and keeps working afterwards', async () => {
    const runaway = 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n';
    await expect(db.query(runaway, { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms/);
    expect((await db.query('SELECT 1 AS one')).rows).toEqual([[1]]);
  });
});
