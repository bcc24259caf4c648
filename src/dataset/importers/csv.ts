import { parse } from 'csv-parse/sync';
import { DatasetError } from '../../errors.ts';
import type { Question } from '../questions.ts';
import { DocumentSet, markdownDocument, type ImportResult } from './import-result.ts';

/**
 * A plain CSV with a header: `question` and `answer` columns (case-insensitive); optional `id`, and an optional
 * `context` column whose text becomes the row's gold document. Several answers: separate them with ` | `.
 */
export function importCsv(files: { file: string; text: string }[]): ImportResult {
  const documents = new DocumentSet();
  const questions: Question[] = [];
  const errors: DatasetError[] = [];
  for (const { file, text } of files) {
    let rows: string[][];
    try {
      rows = parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true });
    } catch (error) {
      errors.push(new DatasetError(`${file}: not valid CSV: ${(error as Error).message}`, { input: file }));
      continue;
    }
    const header = (rows[0] ?? []).map((name) => name.trim().toLowerCase());
    const column = (name: string) => header.indexOf(name);
    const [q, a, id, context] = [
      column('question'),
      column('answer') >= 0 ? column('answer') : column('answers'),
      column('id'),
      column('context'),
    ];
    if (q < 0 || a < 0) {
      errors.push(
        new DatasetError(
          `${file}:1 header: needs "question" and "answer" columns, found ${header.join(', ') || 'nothing'}`,
          { input: file },
        ),
      );
      continue;
    }
    rows.slice(1).forEach((row, index) => {
      const where = `${file}:${index + 2}`;
      const question = row[q]?.trim();
      const answers = (row[a] ?? '')
        .split(' | ')
        .map((s) => s.trim())
        .filter(Boolean);
      if (!question) {
        errors.push(new DatasetError(`${where} field "question": empty`, { input: where }));
        return;
      }
      const rowId = (id >= 0 && row[id]?.trim()) || `row-${index + 2}`;
      const contextText = context >= 0 ? row[context]?.trim() : '';
      const goldDocIds = contextText
        ? [documents.add(`${rowId.replace(/[^\w.-]/g, '_')}.md`, markdownDocument(undefined, contextText))]
        : undefined;
      questions.push({ id: rowId, question, answers, goldDocIds, answerable: answers.length > 0 });
    });
  }
  return { documents: documents.list(), questions, errors };
}
