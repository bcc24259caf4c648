import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetsDir } from '../testing/datasets.ts';
import { readSqlDataset } from './dataset.ts';
import { ordersRows, sameResult } from './evaluate.ts';
import { loadGeoquery, substitute } from './geoquery.ts';
import { joinPaths, renderTable } from './schema-cards.ts';
import { loadSpiderQuestions, loadSpiderSchemas, recallAtK } from './spider.ts';

describe('geoquery importer', () => {
  it('substitutes variables whole-word, longest first', () => {
    expect(substitute('x = "state_name1" or "state_name10"', { state_name1: 'ohio', state_name10: 'utah' })).toBe(
      'x = "ohio" or "utah"',
    );
  });
  it('loads the question splits with no variable left', () => {
    const test = loadGeoquery(join(datasetsDir, 'geoquery', 'geography.json'), 'test', 'question');
    expect(test.length).toBe(279);
    expect(test.some((e) => /\w+_name\d/.test(e.sql) || /\w+_name\d/.test(e.question))).toBe(false);
    expect(test[0]).toEqual({
      question: 'what is the biggest city in kansas',
      sql: expect.stringContaining('"kansas"'),
    });
  });
  it('the query split is template-disjoint: no test gold SQL is a train gold SQL, unlike the question split', () => {
    const file = join(datasetsDir, 'geoquery', 'geography.json');
    const overlap = (scheme: 'query' | 'question') => {
      const train = new Set(loadGeoquery(file, 'train', scheme).map((e) => e.sql));
      return loadGeoquery(file, 'test', scheme).filter((e) => train.has(e.sql)).length;
    };
    expect(loadGeoquery(file, 'test', 'query')).toHaveLength(182);
    expect(loadGeoquery(file, 'train', 'query')).toHaveLength(536);
    expect(overlap('query')).toBe(0);
    expect(overlap('question')).toBeGreaterThan(100);
  });
  it('names the group when the query split is asked of data without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-geo-'));
    try {
      const file = join(dir, 'geo.json');
      writeFileSync(
        file,
        JSON.stringify([
          { sql: ['SELECT 1'], variables: [], sentences: [{ 'question-split': 'test', text: 'one', variables: {} }] },
        ]),
      );
      expect(() => loadGeoquery(file, 'test', 'query')).toThrow(/group 0: field "query-split"/);
      expect(loadGeoquery(file, 'test', 'question')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spider', () => {
  const schemas = loadSpiderSchemas(join(datasetsDir, 'spider-dev', 'tables.json'));
  it('reads 166 schemas with keys and every question with its gold tables', () => {
    expect(schemas.size).toBe(166);
    const questions = loadSpiderQuestions(join(datasetsDir, 'spider-dev', 'dev.json'), schemas);
    expect(questions).toHaveLength(1034);
    expect(questions.every((q) => q.tables.length > 0)).toBe(true);
    const join2 = questions.find((q) => /join/i.test(q.sql) && q.database === 'concert_singer')!;
    expect(join2.tables.length).toBeGreaterThan(1);
    expect(
      schemas.get('concert_singer')!.find((t) => t.name === 'singer_in_concert')!.foreignKeys.length,
    ).toBeGreaterThan(0);
  });
  it('computes recall@k as all gold tables within the top k', () => {
    const rankings = [
      { gold: ['a', 'b'], ranked: ['a', 'c', 'b'] },
      { gold: ['c'], ranked: ['c'] },
    ];
    expect(recallAtK(rankings, 1)).toBe(0.5);
    expect(recallAtK(rankings, 3)).toBe(1);
  });
});

describe('schema cards', () => {
  it('infers joins when none are declared and renders DDL with samples', () => {
    const tables = [
      {
        name: 'state',
        columns: [{ name: 'state_name', type: 'text', primaryKey: false, samples: ['ohio'] }],
        foreignKeys: [],
      },
      {
        name: 'city',
        columns: [
          { name: 'city_name', type: 'text', primaryKey: false },
          { name: 'state_name', type: 'text', primaryKey: false },
        ],
        foreignKeys: [],
      },
    ];
    const paths = joinPaths(tables);
    expect(paths).toEqual([
      { from: 'city', fromColumns: ['state_name'], to: 'state', toColumns: ['state_name'], declared: false },
    ]);
    expect(renderTable(tables[1]!, paths)).toContain(
      'FOREIGN KEY (state_name) REFERENCES state(state_name) -- inferred join',
    );
    expect(renderTable(tables[0]!, paths)).toContain('state_name text -- e.g. "ohio"');
  });
});

describe('execution match', () => {
  it('compares multisets unless the gold orders', () => {
    expect(sameResult([[1], [2], [2]], [[2], [1], [2]], false)).toBe(true);
    expect(sameResult([[1], [2]], [[2], [1]], true)).toBe(false);
    expect(sameResult([[1], [2]], [[1], [2], [2]], false)).toBe(false);
    expect(sameResult([[0.1 + 0.2]], [[0.3]], false)).toBe(true);
    expect(ordersRows('SELECT a FROM t ORDER BY a')).toBe(true);
    expect(ordersRows('SELECT a FROM t WHERE a IN (SELECT b FROM u ORDER BY b LIMIT 1)')).toBe(false);
    expect(ordersRows("SELECT 'order by' FROM t")).toBe(false);
  });
});

describe('readSqlDataset', () => {
  it('reports a bad line with file:line and field and keeps the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-sqlds-'));
    const file = join(dir, 'd.jsonl');
    writeFileSync(
      file,
      '{"question":"q1","sql":"SELECT 1"}\n{"question":"q2"}\nnot json\n{"question":"q3","sql":"SELECT 3"}\n',
    );
    const errors: string[] = [];
    expect(readSqlDataset(file, (e) => errors.push(e.message)).map((e) => e.question)).toEqual(['q1', 'q3']);
    expect(errors[0]).toMatch(/d\.jsonl:2: field "sql"/);
    expect(errors[1]).toMatch(/d\.jsonl:3: not valid JSON/);
    expect(() => readSqlDataset(file)).toThrow(/d\.jsonl:2/);
    rmSync(dir, { recursive: true, force: true });
  });
});
