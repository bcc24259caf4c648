import { z } from 'zod';
import { DatasetError } from '../../errors.ts';
import type { Question } from '../questions.ts';
import { DocumentSet, markdownDocument, slug, type ImportResult } from './import-result.ts';

const SquadFile = z.object({
  data: z.array(
    z.object({
      title: z.string().default(''),
      paragraphs: z.array(
        z.object({
          context: z.string(),
          qas: z.array(
            z.object({
              id: z.union([z.string(), z.number()]).transform(String),
              question: z.string(),
              answers: z.array(z.object({ text: z.string() })).default([]),
              is_impossible: z.boolean().optional(),
            }),
          ),
        }),
      ),
    }),
  ),
});

/** SQuAD v1/v2 JSON: each context paragraph becomes `<title>/<n>.md`; v2 impossible questions are unanswerable. */
export function importSquad(files: { file: string; text: string }[]): ImportResult {
  const documents = new DocumentSet();
  const questions: Question[] = [];
  const errors: DatasetError[] = [];
  for (const { file, text } of files) {
    let parsed: ReturnType<typeof SquadFile.safeParse>;
    try {
      parsed = SquadFile.safeParse(JSON.parse(text));
    } catch (error) {
      errors.push(new DatasetError(`${file}: not valid JSON: ${(error as Error).message}`, { input: file }));
      continue;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      errors.push(
        new DatasetError(
          `${file} field "${issue.path.join('.')}": ${issue.message} (expected SQuAD {data: [{title, paragraphs: [{context, qas}]}]})`,
          { input: file },
        ),
      );
      continue;
    }
    parsed.data.data.forEach((article, a) => {
      article.paragraphs.forEach((paragraph, p) => {
        const path = documents.add(
          `${slug(article.title || `article-${a}`)}/${p}.md`,
          markdownDocument(article.title, paragraph.context),
        );
        for (const qa of paragraph.qas) {
          const answers = [...new Set(qa.answers.map((answer) => answer.text.trim()).filter(Boolean))];
          const answerable = !qa.is_impossible && answers.length > 0;
          questions.push({
            id: qa.id,
            question: qa.question,
            answers: answerable ? answers : [],
            goldDocIds: answerable ? [path] : undefined,
            answerable,
          });
        }
      });
    });
  }
  return { documents: documents.list(), questions, errors };
}
