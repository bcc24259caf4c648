import { z } from 'zod';
import { DatasetError } from '../../errors.ts';
import type { Question } from '../questions.ts';
import { DocumentSet, markdownDocument, shortHash, slug, type ImportResult } from './import-result.ts';

const ClapnqRecord = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  input: z.string().min(1),
  passages: z.array(z.object({ title: z.string().default(''), text: z.string() })).min(1),
  output: z.array(z.object({ answer: z.string().default('') })).default([]),
});

/**
 * clapnq JSONL (primeqa/clapnq annotated_data): `passages[0]` is the gold passage and becomes a document.
 * Questions with no non-empty answer are unanswerable: their passage is in the corpus but does not answer them.
 */
export function importClapnq(files: { file: string; text: string }[]): ImportResult {
  const documents = new DocumentSet();
  const questions: Question[] = [];
  const errors: DatasetError[] = [];
  for (const { file, text } of files) {
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      const where = `${file}:${index + 1}`;
      let parsed: ReturnType<typeof ClapnqRecord.safeParse>;
      try {
        parsed = ClapnqRecord.safeParse(JSON.parse(line));
      } catch (error) {
        errors.push(new DatasetError(`${where}: not valid JSON: ${(error as Error).message}`, { input: where }));
        return;
      }
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        errors.push(new DatasetError(`${where} field "${issue.path.join('.')}": ${issue.message}`, { input: where }));
        return;
      }
      const record = parsed.data;
      const passage = record.passages[0]!;
      const path = documents.add(
        `${slug(passage.title || 'passage')}-${shortHash(passage.text)}.md`,
        markdownDocument(passage.title, passage.text),
      );
      const answers = [...new Set(record.output.map((o) => o.answer.trim()).filter(Boolean))];
      const answerable = answers.length > 0;
      questions.push({
        id: record.id,
        question: record.input,
        answers,
        goldDocIds: answerable ? [path] : undefined,
        answerable,
        tags: [answerable ? 'answerable' : 'unanswerable'],
      });
    });
  }
  return { documents: documents.list(), questions, errors };
}
