import { createHash } from 'node:crypto';
import type { DatasetError } from '../../errors.ts';
import type { Question } from '../questions.ts';

/** A corpus document to write: `path` is relative to the corpus folder, so it is the docId `ingest` gives it. */
export interface CorpusDocument {
  path: string;
  text: string;
}

export interface ImportResult {
  documents: CorpusDocument[];
  questions: Question[];
  /** Records that were skipped, each naming file:line (or file:record) and the reason. */
  errors: DatasetError[];
}

/** A file name that is safe on every filesystem and still readable. */
export function slug(text: string, max = 60): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-');
  return cleaned.slice(0, max).replace(/-$/, '') || 'untitled';
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

export function markdownDocument(title: string | undefined, text: string): string {
  return title ? `# ${title}\n\n${text.trim()}\n` : `${text.trim()}\n`;
}

/** Adds documents by path once (several questions often share a passage). */
export class DocumentSet {
  readonly byPath = new Map<string, CorpusDocument>();
  add(path: string, text: string): string {
    if (!this.byPath.has(path)) this.byPath.set(path, { path, text });
    return path;
  }
  list(): CorpusDocument[] {
    return [...this.byPath.values()];
  }
}
