import { realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/**
 * The folders whose files a client may name in a request (a comparison's corpus and questions):
 * every `--data-root` of `attune serve`, then `<home>/data`. Nothing else on the server can be read
 * through the API, including the rest of the home (keys, uploads of labelled documents).
 */
export function dataRoots(home: string, extra: string[] = []): string[] {
  return [...extra.map((root) => resolve(root)), join(home, 'data')];
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Resolves a client-given path (absolute, or relative to the first root) to a real path inside a root.
 * Checked twice: as written (so nothing outside is even looked at) and after symlinks are followed.
 */
export function resolveDataPath(roots: string[], value: string, field: string): string {
  const outside = () =>
    new UsageError(
      `field "${field}": must name a file or folder inside a data root of the server (<home>/data or a --data-root of \`attune serve\`)`,
    );
  const candidate = resolve(roots[0]!, value);
  if (!roots.some((root) => inside(root, candidate))) throw outside();
  const real = realpath(candidate);
  if (!real) throw new UsageError(`field "${field}": "${value}" does not exist in the data roots`);
  if (
    !roots.some((root) => {
      const realRoot = realpath(root);
      return realRoot !== undefined && inside(realRoot, real);
    })
  )
    throw outside();
  return real;
}
