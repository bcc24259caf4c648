import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DatasetError } from '../errors.ts';
import { parseJsonLines } from '../io/jsonl.ts';

/** One evaluation question: the interchange format every importer writes and `attune eval` reads. */
export const QuestionSchema = z.object({
  id: z.string().min(1),
  question: z.string().min(1),
  /** Reference answers; empty for unanswerable questions. */
  answers: z.array(z.string()),
  /** attune docIds (for ingested files: the path relative to the folder given to `ingest`). */
  goldDocIds: z.array(z.string()).optional(),
  /** False: the corpus does not answer it, the right reply is to abstain. Default: answers.length > 0. */
  answerable: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
});

export type Question = z.infer<typeof QuestionSchema>;

export interface QuestionSet {
  file: string;
  questions: Question[];
  /** One per rejected line, already formatted as `file:line field: reason`. */
  errors: DatasetError[];
  /** sha256 of the file's bytes: a run records it so results name exactly what they measured. */
  hash: string;
}

export function isAnswerable(question: Question): boolean {
  return question.answerable ?? question.answers.length > 0;
}

/** Parses JSONL text; invalid lines become errors and the valid ones are kept. */
export function parseQuestions(text: string, file: string): Omit<QuestionSet, 'hash'> {
  const questions: Question[] = [];
  const errors: DatasetError[] = [];
  const seen = new Set<string>();
  for (const { line, value, error } of parseJsonLines(text)) {
    const where = `${file}:${line}`;
    if (error !== undefined) {
      errors.push(new DatasetError(`${where}: ${error}`, { input: where }));
      continue;
    }
    const parsed = QuestionSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      errors.push(
        new DatasetError(`${where} field "${issue.path.join('.') || '(root)'}": ${issue.message}`, { input: where }),
      );
      continue;
    }
    if (seen.has(parsed.data.id)) {
      errors.push(new DatasetError(`${where} field "id": duplicate id "${parsed.data.id}"`, { input: where }));
      continue;
    }
    seen.add(parsed.data.id);
    questions.push(parsed.data);
  }
  return { file, questions, errors };
}

export async function readQuestions(file: string): Promise<QuestionSet> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new DatasetError(`cannot read dataset ${file}: ${(error as Error).message}`, { input: file, cause: error });
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  return { ...parseQuestions(bytes.toString('utf8'), file), hash };
}

export function formatQuestions(questions: Question[]): string {
  return questions.map((question) => JSON.stringify(question)).join('\n') + (questions.length ? '\n' : '');
}

/** Questions given inline (an HTTP body) rather than in a file: hashed as the JSONL they would be. */
export function inlineQuestionSet(questions: Question[], label: string): QuestionSet {
  const text = formatQuestions(questions);
  return { file: label, questions, errors: [], hash: createHash('sha256').update(text).digest('hex') };
}
