import type { Dirent } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isSupported } from './parsers/index.ts';

export interface FoundFile {
  /** Path as ingested (the folder given joined with the relative path). */
  source: string;
  /**
   * Path relative to the folder given; for a file given directly, its path relative to `idRoot`
   * (absolute when outside it), so two files with one name in different folders stay two documents.
   */
  docId: string;
  /** The folder it was found under, for --prune. */
  root?: string;
}

export interface Walk {
  files: FoundFile[];
  failed: { path: string; reason: string }[];
  /** Files in folders with no parser (skipped, not failed). */
  skipped: string[];
}

export interface WalkOptions {
  /** The folder that ids of files given directly are relative to (default: the working directory). */
  idRoot?: string;
}

/** The id of a file given directly: unique per path. */
export function directDocId(path: string, idRoot: string = process.cwd()): string {
  const absolute = resolve(path);
  const rel = relative(resolve(idRoot), absolute);
  const id = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
  return id.split(sep).join('/');
}

/** Finds the files to ingest: hidden entries, node_modules and symbolic links are not followed. */
export async function walk(paths: string[], options: WalkOptions = {}): Promise<Walk> {
  const result: Walk = { files: [], failed: [], skipped: [] };
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error) {
      result.failed.push({
        path,
        reason: info.code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${info.code ?? info.message}`,
      });
    } else if (info.isDirectory()) {
      await walkFolder(path, path, result);
    } else {
      result.files.push({ source: path, docId: directDocId(path, options.idRoot) });
    }
  }
  return result;
}

async function walkFolder(root: string, dir: string, result: Walk): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    result.failed.push({
      path: dir,
      reason: `cannot read folder: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    });
    return;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await walkFolder(root, path, result);
    else if (entry.isFile() && isSupported(path))
      result.files.push({ source: path, docId: relative(root, path).split(sep).join('/'), root });
    else if (entry.isFile()) result.skipped.push(path);
  }
}

export async function fileSize(path: string): Promise<number> {
  return (await lstat(path)).size;
}
