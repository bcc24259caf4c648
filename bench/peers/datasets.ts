import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeImport } from '../../src/dataset/import.ts';
import { importClapnq } from '../../src/dataset/importers/clapnq.ts';
import { importFictionalKnowledge } from '../../src/dataset/importers/fictional-knowledge.ts';
import type { ImportResult } from '../../src/dataset/importers/import-result.ts';
import { joinPaths, tableCardText } from '../../src/sql/schema-cards.ts';
import { loadSpiderQuestions, loadSpiderSchemas } from '../../src/sql/spider.ts';
import { datasetsDir } from '../../src/testing/datasets.ts';

export const DATASETS = ['clapnq', 'fictional-knowledge', 'spider'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface PreparedDataset {
  name: DatasetName;
  /** Holds corpus/ (one file per document, its path the document id) and questions.jsonl. */
  dir: string;
  documents: number;
  questions: { id: string; question: string; goldDocIds: string[] }[];
  /** What the corpus and the questions are, for the report. */
  description: string;
}

/**
 * Builds a dataset the way attune's own benches do, with attune's importers: clapnq and fictional-knowledge as
 * bench:retrieval and bench:rag-tuned do, Spider's table cards as `sql index` writes them (bench/schema-linking.ts).
 * `limit` takes the first N records of each file (Spider: the first N questions; every table stays in the corpus).
 */
export async function prepareDataset(name: DatasetName, dir: string, limit?: number): Promise<PreparedDataset> {
  const imported = load(name, limit);
  await writeImport(dir, imported);
  const questions = imported.questions.map((q) => ({ id: q.id, question: q.question, goldDocIds: q.goldDocIds! }));
  const documents = imported.documents.length;
  const descriptions: Record<DatasetName, string> = {
    clapnq: `clapnq dev: the gold passages of ${limit ? `the first ${limit} answerable and ${limit} unanswerable` : 'all 600'} questions (${documents} distinct passages); queries: the ${questions.length} answerable questions; relevant: each question's passages[0] (as bench:retrieval)`,
    'fictional-knowledge': `fictional-knowledge: ${documents} fictional documents; queries: their ${questions.length} generalisation probes ("gen", paraphrased cloze prompts, as bench:rag-tuned); relevant: the probe's document`,
    spider: `Spider dev schema cards: ${documents} table cards of all the dev databases in one corpus (the text \`sql index\` embeds, one file per table); queries: ${questions.length} dev questions; relevant: every table the gold SQL reads (recall@k = share of those tables in the top k)`,
  };
  return { name, dir, documents, questions, description: descriptions[name] };
}

function load(name: DatasetName, limit: number | undefined): ImportResult {
  const slice = (text: string) => (limit ? text.split('\n').slice(0, limit).join('\n') : text);
  if (name === 'clapnq') {
    const files = ['clapnq_dev_answerable.jsonl', 'clapnq_dev_unanswerable.jsonl'].map((file) => ({
      file,
      text: slice(readFileSync(join(datasetsDir, 'clapnq', file), 'utf8')),
    }));
    const imported = importClapnq(files);
    return { ...imported, questions: imported.questions.filter((q) => q.answerable !== false && q.goldDocIds?.length) };
  }
  if (name === 'fictional-knowledge') {
    const file = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
    const records = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    const imported = importFictionalKnowledge([{ file, text: JSON.stringify(records.slice(0, limit)) }]);
    return { ...imported, questions: imported.questions.filter((q) => q.tags?.includes('gen')) };
  }
  const schemas = loadSpiderSchemas(join(datasetsDir, 'spider-dev', 'tables.json'));
  const documents = [...schemas].flatMap(([database, tables]) => {
    const paths = joinPaths(tables);
    return tables.map((table) => ({
      path: `${database}/${table.name}.txt`,
      text: `${tableCardText(table, paths, database)}\n`,
    }));
  });
  const questions = loadSpiderQuestions(join(datasetsDir, 'spider-dev', 'dev.json'), schemas)
    .slice(0, limit)
    .map((q, i) => ({
      id: `spider-${i}`,
      question: q.question,
      answers: [q.sql],
      goldDocIds: q.tables.map((table) => `${q.database}/${table}.txt`),
      answerable: true,
    }))
    .filter((q) => q.goldDocIds.length > 0);
  return { documents, questions, errors: [] };
}
