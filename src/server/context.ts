import type { Context } from 'hono';
import type { SearchFilter } from '../types.ts';
import { ForbiddenError } from './http-errors.ts';
import { canAccessCollection, hasOperation, type KeyScope, type Operation } from './keys.ts';

export type ServerEnv = { Variables: { scope: KeyScope } };
export type ServerContext = Context<ServerEnv>;

/** The verified key's scope; throws 403 when it lacks `op` or (when given) the collection. */
export function authorize(c: ServerContext, op: Operation, collection?: string): KeyScope {
  const scope = c.get('scope');
  if (!hasOperation(scope, op) || (collection !== undefined && !canAccessCollection(scope, collection))) {
    throw new ForbiddenError('forbidden');
  }
  return scope;
}

/** The store filter that enforces the key's access labels inside the query. */
export function labelFilter(scope: KeyScope): SearchFilter | undefined {
  return scope.labels === undefined ? undefined : { labels: scope.labels };
}

/** The key sees a chunk when the chunk has no labels or shares one with the key. */
export function canSeeLabels(scope: KeyScope, labels: string[]): boolean {
  return scope.labels === undefined || labels.length === 0 || labels.some((l) => scope.labels!.includes(l));
}

/** A key may change (replace, delete) a document only when it holds every label the document has. */
export function canManageLabels(scope: KeyScope, labels: string[]): boolean {
  return scope.labels === undefined || labels.every((l) => scope.labels!.includes(l));
}

/**
 * `source` is the path on the server as ingested: only admin keys see it; others get the document id
 * (the path relative to the folder ingested, or the uploaded file name) in its place.
 */
export function publicSource<T extends { docId: string; source: string }>(scope: KeyScope, record: T): T {
  return hasOperation(scope, 'admin') ? record : { ...record, source: record.docId };
}
