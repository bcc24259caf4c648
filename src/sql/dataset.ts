import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DatasetError } from '../errors.ts';
import { parseJsonLines } from '../io/jsonl.ts';

export interface SqlExample {
  question: string;
  sql: string;
}

const Line = z.object({ question: z.string().min(1), sql: z.string().min(1) });

/**
 * Reads a JSONL file of `{question, sql}`. A bad line is reported (file:line and field) through
 * `onError` and skipped, so one typo does not lose the batch; without `onError` it throws.
 */
export function readSqlDataset(path: string, onError?: (error: DatasetError) => void): SqlExample[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DatasetError(`${path}: cannot read: ${(error as Error).message}`, { input: path, cause: error });
  }
  const examples: SqlExample[] = [];
  for (const entry of parseJsonLines(text)) {
    let failure = entry.error;
    if (failure === undefined) {
      const parsed = Line.safeParse(entry.value);
      if (parsed.success) examples.push({ question: parsed.data.question, sql: parsed.data.sql });
      else
        failure = `field "${parsed.error.issues[0]!.path.join('.') || '(root)'}": ${parsed.error.issues[0]!.message}`;
    }
    if (failure) {
      const error = new DatasetError(`${path}:${entry.line}: ${failure}`, { input: path });
      if (!onError) throw error;
      onError(error);
    }
  }
  return examples;
}
