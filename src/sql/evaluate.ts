import { errorMessage } from '../errors.ts';
import type { SqlDatabase } from './database.ts';
import type { SqlExample } from './dataset.ts';
import type { SqlAnswer, SqlStrategy } from './ask.ts';
import { maskLiterals } from './validate.ts';

/** Values compared loosely: numbers to 6 significant digits, text as is, null as null. */
function normalize(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value ?? null);
}

/** Whether the gold query's outermost statement orders its rows (then order matters). */
export function ordersRows(sql: string): boolean {
  const masked = maskLiterals(sql).toLowerCase();
  let depth = 0;
  for (let i = 0; i < masked.length; i++) {
    const char = masked[i];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (
      depth === 0 &&
      masked.startsWith('order', i) &&
      /^order\s+by\b/.test(masked.slice(i)) &&
      /\W/.test(masked[i - 1] ?? ' ')
    )
      return true;
  }
  return false;
}

/** Execution match: same rows as multisets (or as sequences when `ordered`); column names ignored. */
export function sameResult(gold: unknown[][], predicted: unknown[][], ordered: boolean): boolean {
  if (gold.length !== predicted.length) return false;
  const key = (row: unknown[]) => row.map(normalize).join('\u0001');
  const a = gold.map(key);
  const b = predicted.map(key);
  if (!ordered) {
    a.sort();
    b.sort();
  }
  return a.every((row, i) => row === b[i]);
}

export interface SqlEvalRow {
  question: string;
  strategy: SqlStrategy;
  goldSql: string;
  sql: string | null;
  /** Null when the gold query itself failed: the item is left out of accuracy. */
  correct: boolean | null;
  validSql: boolean;
  promptTokens: number;
  latencyMs: number;
  retrievedTables: string[];
  error?: { kind: string; message: string };
}

export interface SqlEvalSummary {
  strategy: SqlStrategy;
  questions: number;
  scored: number;
  executionAccuracy: number;
  validSqlRate: number;
  meanPromptTokens: number;
  meanLatencyMs: number;
}

/** Runs every question through every strategy; a failed call is a result row, never a crash (STYLE §9). */
export async function evaluateSql(
  dataset: SqlExample[],
  strategies: SqlStrategy[],
  resources: {
    db: SqlDatabase;
    ask: (question: string, strategy: SqlStrategy) => Promise<SqlAnswer>;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<{ rows: SqlEvalRow[]; summary: SqlEvalSummary[] }> {
  const rows: SqlEvalRow[] = [];
  const total = dataset.length * strategies.length;
  for (const example of dataset) {
    let gold: unknown[][] | null = null;
    try {
      gold = (await resources.db.query(example.sql, { maxRows: 100_000 })).rows;
    } catch {
      gold = null;
    }
    for (const strategy of strategies) {
      const started = performance.now();
      try {
        const answer = await resources.ask(example.question, strategy);
        const validSql = !answer.error;
        rows.push({
          question: example.question,
          strategy,
          goldSql: example.sql,
          sql: answer.sql,
          correct:
            gold === null
              ? null
              : validSql && !answer.truncated && sameResult(gold, answer.rows, ordersRows(example.sql)),
          validSql,
          promptTokens: answer.usage.promptTokens,
          latencyMs: answer.timings.totalMs,
          retrievedTables: answer.retrievedTables,
          ...(answer.error ? { error: answer.error } : {}),
        });
      } catch (error) {
        rows.push({
          question: example.question,
          strategy,
          goldSql: example.sql,
          sql: null,
          correct: gold === null ? null : false,
          validSql: false,
          promptTokens: 0,
          latencyMs: performance.now() - started,
          retrievedTables: [],
          error: { kind: 'exception', message: errorMessage(error) },
        });
      }
      resources.onProgress?.(rows.length, total);
    }
  }
  return { rows, summary: summarize(rows, strategies) };
}

export function summarize(rows: SqlEvalRow[], strategies: SqlStrategy[]): SqlEvalSummary[] {
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  return strategies.map((strategy) => {
    const mine = rows.filter((row) => row.strategy === strategy);
    const scored = mine.filter((row) => row.correct !== null);
    return {
      strategy,
      questions: mine.length,
      scored: scored.length,
      executionAccuracy: scored.length ? scored.filter((row) => row.correct).length / scored.length : 0,
      validSqlRate: mine.length ? mine.filter((row) => row.validSql).length / mine.length : 0,
      meanPromptTokens: mean(mine.map((row) => row.promptTokens)),
      meanLatencyMs: mean(mine.map((row) => row.latencyMs)),
    };
  });
}
