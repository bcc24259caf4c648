import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { UploadError } from './http-errors.ts';

export interface UploadLimits {
  /** Largest single file in bytes. */
  maxFileBytes: number;
  /** Most files in one request. */
  maxFiles: number;
  /** Accepted extensions, lower case with the dot. */
  extensions: string[];
  /** Disk quota of one collection's uploads in bytes. */
  maxCollectionBytes?: number;
  /** Disk quota of all uploads together (every collection) in bytes. */
  maxTotalBytes?: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxFiles: 20,
  extensions: ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.docx', '.csv'],
  maxCollectionBytes: 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
};

/** Bytes of the files in a folder and its sub-folders (uploads are shallow: <uploads>/<collection>/<file>). */
export function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** Refuses uploads that would take a collection's (or all) uploads past their disk quota; a replaced file frees its old size. */
function checkQuota(dir: string, files: File[], names: string[], limits: UploadLimits): void {
  const replaced = names.reduce(
    (sum, name) => sum + (existsSync(join(dir, name)) ? statSync(join(dir, name)).size : 0),
    0,
  );
  const adding = files.reduce((sum, file) => sum + file.size, 0) - replaced;
  const quotas: [number | undefined, number, string][] = [
    [limits.maxCollectionBytes, folderBytes(dir), "this collection's uploads"],
    [limits.maxTotalBytes, folderBytes(dirname(dir)), 'all uploads'],
  ];
  for (const [quota, used, what] of quotas) {
    if (quota !== undefined && used + adding > quota)
      throw new UploadError(
        `upload refused: ${what} would take ${used + adding} bytes, over the quota of ${quota}`,
        413,
      );
  }
}

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
    throw new UploadError(
      `file name "${name.replace(/[^\x20-\x7e]/g, '?')}" refused: no path separators, "..", or leading dot`,
      400,
    );
  }
  if (!/^[\p{L}\p{N} ._()+,@-]+$/u.test(name))
    throw new UploadError(`file name "${name}" refused: unusual characters`, 400);
  const extension = extname(name).toLowerCase();
  if (!limits.extensions.includes(extension)) {
    throw new UploadError(
      `file "${name}": type ${extension || '(none)'} not accepted (accepted: ${limits.extensions.join(' ')})`,
      415,
    );
  }
  return name;
}

/** Checks every file first, then writes each via a temp file and rename: all or nothing is refused. */
export async function saveUploads(
  dir: string,
  files: File[],
  limits: UploadLimits = DEFAULT_UPLOAD_LIMITS,
): Promise<string[]> {
  if (files.length === 0)
    throw new UploadError('no files: send multipart/form-data with one or more "files" fields', 400);
  if (files.length > limits.maxFiles)
    throw new UploadError(`too many files: ${files.length} > ${limits.maxFiles}`, 413);
  const names = files.map((file) => safeFileName(file.name, limits));
  for (const file of files) {
    if (file.size > limits.maxFileBytes)
      throw new UploadError(`file "${file.name}" is ${file.size} bytes, over the limit of ${limits.maxFileBytes}`, 413);
  }
  checkQuota(dir, files, names, limits);
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
