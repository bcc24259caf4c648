import { describe, expect, it } from 'vitest';
import { maskLiterals, validateSql } from './validate.ts';

const HOSTILE: [string, RegExp][] = [
  ['DELETE FROM city', /DELETE/],
  ['delete from city where 1=1', /DELETE/],
  ['DROP TABLE state; --', /DROP/],
  ['SELECT * FROM state; DROP TABLE state', /multiple statements/],
  ['SELECT 1; SELECT 2', /multiple statements/],
  ['UPDATE state SET population = 0', /UPDATE/],
  ['INSERT INTO city VALUES (1)', /INSERT/],
  ['REPLACE INTO city VALUES (1)', /REPLACE/],
  ['PRAGMA writable_schema = 1', /PRAGMA/],
  ["ATTACH DATABASE '/tmp/x.db' AS x", /ATTACH/],
  ['VACUUM', /VACUUM/],
  ["COPY city TO '/tmp/out.csv'", /COPY/],
  ['CREATE TABLE t AS SELECT * FROM city', /CREATE/],
  ['ALTER TABLE city ADD COLUMN x int', /ALTER/],
  ["SELECT load_extension('/tmp/evil.so')", /load_extension/],
  ["SELECT readfile('/etc/passwd')", /readfile/],
  ['WITH d AS (DELETE FROM city RETURNING *) SELECT * FROM d', /DELETE/],
  ['SELECT * INTO backup FROM city', /INTO|not parseable/],
  ['SELECT * FROM city FOR UPDATE', /UPDATE/],
  ['SELECT name FROM sqlite_master', /system catalog/],
  ['SELECT table_name FROM information_schema.tables', /system catalog "information_schema"/],
  ['SELECT * FROM "information_schema"."columns"', /system catalog "information_schema"/],
  ['SELECT relname FROM pg_catalog.pg_class', /system catalog/],
  ["SELECT * FROM pragma_table_info('city')", /pragma_table_info/],
  ['SELECT length(zeroblob(1000000000))', /zeroblob/],
  ['SELECT hex(randomblob(1000000000))', /randomblob/],
  ["SELECT repeat('x', 1000000000)", /repeat/],
  ['  ', /empty/],
  ['SELECT * FROM city /* ; */ WHERE 1 = 1; DELETE FROM city', /multiple statements/],
  ['EXPLAIN SELECT * FROM city', /EXPLAIN/],
  ['SELEC * FROM city', /SELEC/],
];

const HOSTILE_POSTGRES: [string, RegExp][] = [
  ['SELECT pg_sleep(10)', /pg_sleep/],
  ["SELECT pg_read_file('/etc/passwd')", /pg_read_file/],
  ["SELECT lo_import('/etc/passwd')", /lo_import/],
  ["SELECT set_config('default_transaction_read_only', 'off', false)", /set_config/],
  ["SELECT query_to_xml('delete from city', true, true, '')", /DELETE|query_to_xml/],
  ["SELECT dblink_exec('host=evil', 'drop table x')", /DROP|dblink/],
  ['SELECT * FROM pg_shadow', /system catalog/],
  ["COPY (SELECT 1) TO PROGRAM 'rm -rf /'", /COPY/],
  ['BEGIN; SET TRANSACTION READ WRITE; DELETE FROM city; COMMIT', /BEGIN|multiple/],
];

describe('validateSql', () => {
  it.each(HOSTILE)('refuses %s (sqlite)', (sql, reason) => {
    const result = validateSql(sql, 'sqlite');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it.each(HOSTILE_POSTGRES)('refuses %s (postgres)', (sql, reason) => {
    const result = validateSql(sql, 'postgresql');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('accepts read-only selects and reports the tables', () => {
    const ok = validateSql(
      'SELECT c.city_name FROM city AS c JOIN state s ON s.state_name = c.state_name WHERE s.population > (SELECT avg(population) FROM state);',
      'sqlite',
    );
    expect(ok).toEqual({
      ok: true,
      sql: expect.not.stringMatching(/;$/),
      tables: expect.arrayContaining(['city', 'state']),
    });
    expect(
      validateSql('WITH big AS (SELECT * FROM state WHERE area > 100) SELECT count(*) FROM big', 'postgresql').ok,
    ).toBe(true);
    expect(
      validateSql(
        'SELECT CITYalias0.CITY_NAME FROM CITY AS CITYalias0 WHERE CITYalias0.STATE_NAME = "texas" ;',
        'sqlite',
      ).ok,
    ).toBe(true);
  });

  it('does not refuse forbidden words inside string literals', () => {
    expect(validateSql("SELECT * FROM city WHERE city_name = 'drop table; delete'", 'sqlite').ok).toBe(true);
    expect(maskLiterals("a 'x;y' -- z\n b")).not.toContain(';');
  });
});
