import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UploadError } from './http-errors.ts';

export interface UploadLimits {
  /** Largest single file in bytes. */
  maxFileBytes: number;
  /** Most files in one request. */
  maxFiles: number;
  /** Accepted extensions, lower case with the dot. */
  extensions: string[];
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxFiles: 20,
  extensions: ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.docx', '.csv'],
};

export function uploadsDir(home: string, collection: string): string {
  return join(home, 'uploads', collection);
}

/**
 * A file name as given by the client, reduced to one safe path segment. Names that try to leave
 * the folder (`..`, `/`, `\`, NUL, a leading dot) are refused rather than rewritten.
 */
export function safeFileName(name: string, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): string {
  if (!name || name.length > 200) throw new UploadError(`file name must be 1-200 characters`, 400);
  if (/[/\\\0]/.test(name) || name.includes('..') || name.startsWith('.')) {
    throw new UploadError(`file name "${name.replace(/[^\x20-\x7e]/g, '?')}" refused: no path separators, "..", or leading dot`, 400);
  }
  if (!/^[\p{L}\p{N} ._()+,@-]+$/u.test(name)) throw new UploadError(`file name "${name}" refused: unusual characters`, 400);
  const extension = extname(name).toLowerCase();
  if (!limits.extensions.includes(extension)) {
    throw new UploadError(`file "${name}": type ${extension || '(none)'} not accepted (accepted: ${limits.extensions.join(' ')})`, 415);
  }
  return name;
}

/** Checks every file first, then writes each via a temp file and rename: all or nothing is refused. */
export async function saveUploads(dir: string, files: File[], limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): Promise<string[]> {
  if (files.length === 0) throw new UploadError('no files: send multipart/form-data with one or more "files" fields', 400);
  if (files.length > limits.maxFiles) throw new UploadError(`too many files: ${files.length} > ${limits.maxFiles}`, 413);
  const names = files.map((file) => safeFileName(file.name, limits));
  for (const file of files) {
    if (file.size > limits.maxFileBytes) throw new UploadError(`file "${file.name}" is ${file.size} bytes, over the limit of ${limits.maxFileBytes}`, 413);
  }
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    const path = join(dir, names[i]!);
    const temp = `${path}.${process.pid}.upload`;
    writeFileSync(temp, Buffer.from(await file.arrayBuffer()));
    renameSync(temp, path);
    paths.push(path);
  }
  return paths;
}
