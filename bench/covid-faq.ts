import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DocumentSet, markdownDocument, type ImportResult } from '../src/dataset/importers/import-result.ts';
import { datasetsDir } from '../src/testing/datasets.ts';

/**
 * The 213 COVID-19 FAQs (CDC, WHO, …) as bench:rag-tuned and bench:fusion use them: each answer is a document
 * (no title), its question the query. `limit` takes the first N rows.
 */
export function importCovidFaq(limit?: number): ImportResult {
  const file = join(datasetsDir, 'covid-faq', 'faq_covidbert.csv');
  const rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Record<
    string,
    string
  >[];
  const documents = new DocumentSet();
  // several sources ask the same question ("What is COVID-19?"): keep its first row, so no question text is
  // on both sides of a dev / test split (tuneOnSplit refuses that)
  const seen = new Set<string>();
  const unique = (limit ? rows.slice(0, limit) : rows)
    .map((row, i) => ({ row, i }))
    .filter(({ row }) => !seen.has(row.question!.trim().toLowerCase()) && seen.add(row.question!.trim().toLowerCase()));
  const questions = unique.map(({ row, i }) => ({
    id: `faq-${i + 2}`,
    question: row.question!.trim(),
    answers: [row.answer!.trim()],
    goldDocIds: [documents.add(`faq-${i + 2}.md`, markdownDocument(undefined, row.answer!.trim()))],
    answerable: true,
  }));
  return { documents: documents.list(), questions, errors: [] };
}
