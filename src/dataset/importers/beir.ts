import { basename } from 'node:path';
import { DatasetError } from '../../errors.ts';
import type { Question } from '../questions.ts';
import { DocumentSet, markdownDocument, slug, type ImportResult } from './import-result.ts';
import { parseJsonLines } from '../../io/jsonl.ts';

interface JsonlRecord {
  where: string;
  value: Record<string, unknown>;
}

function readJsonl(file: string, text: string, errors: DatasetError[]): JsonlRecord[] {
  const records: JsonlRecord[] = [];
  for (const { line, value, error } of parseJsonLines(text)) {
    const where = `${file}:${line}`;
    if (error === undefined) records.push({ where, value: value as Record<string, unknown> });
    else errors.push(new DatasetError(`${where}: ${error}`, { input: where }));
  }
  return records;
}

/**
 * BEIR layout: `corpus.jsonl` ({_id, title, text}), `queries.jsonl` ({_id, text}) and qrels TSV files
 * (query-id, corpus-id, score). Only queries with a relevant document are kept; BEIR has no reference answers.
 */
export function importBeir(files: { file: string; text: string }[]): ImportResult {
  const errors: DatasetError[] = [];
  const documents = new DocumentSet();
  const docPath = new Map<string, string>();
  const queries = new Map<string, string>();
  const qrels = new Map<string, string[]>();
  const corpus = files.filter((f) => basename(f.file).startsWith('corpus'));
  const queryFiles = files.filter((f) => basename(f.file).startsWith('queries'));
  const qrelFiles = files.filter((f) => f.file.endsWith('.tsv'));
  if (corpus.length === 0 || queryFiles.length === 0 || qrelFiles.length === 0) {
    throw new DatasetError('beir import needs corpus.jsonl, queries.jsonl and a qrels .tsv file', {
      input: files.map((f) => f.file).join(', '),
    });
  }
  for (const { file, text } of corpus) {
    for (const { where, value } of readJsonl(file, text, errors)) {
      const id = value._id;
      if (typeof id !== 'string' && typeof id !== 'number') {
        errors.push(new DatasetError(`${where} field "_id": required`, { input: where }));
        continue;
      }
      if (typeof value.text !== 'string') {
        errors.push(new DatasetError(`${where} field "text": expected a string`, { input: where }));
        continue;
      }
      const title = typeof value.title === 'string' ? value.title : undefined;
      docPath.set(String(id), documents.add(`${slug(String(id), 100)}.md`, markdownDocument(title, value.text)));
    }
  }
  for (const { file, text } of queryFiles) {
    for (const { where, value } of readJsonl(file, text, errors)) {
      if ((typeof value._id !== 'string' && typeof value._id !== 'number') || typeof value.text !== 'string') {
        errors.push(
          new DatasetError(`${where} field "${typeof value.text !== 'string' ? 'text' : '_id'}": required`, {
            input: where,
          }),
        );
        continue;
      }
      queries.set(String(value._id), value.text);
    }
  }
  for (const { file, text } of qrelFiles) {
    text.split('\n').forEach((line, index) => {
      const [queryId, corpusId, score] = line.trim().split('\t');
      if (!queryId || (index === 0 && /query/i.test(queryId))) return;
      const where = `${file}:${index + 1}`;
      const path = docPath.get(corpusId ?? '');
      if (!path) {
        errors.push(
          new DatasetError(`${where} field "corpus-id": "${corpusId}" is not in the corpus`, { input: where }),
        );
        return;
      }
      if (Number(score ?? 1) <= 0) return;
      qrels.set(queryId, [...(qrels.get(queryId) ?? []), path]);
    });
  }
  const questions: Question[] = [];
  for (const [id, goldDocIds] of qrels) {
    const question = queries.get(id);
    if (question) questions.push({ id, question, answers: [], goldDocIds, answerable: true });
  }
  return { documents: documents.list(), questions, errors };
}
