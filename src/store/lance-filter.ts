import type { SearchFilter } from '../types.ts';

/** SQL string literal for LanceDB's (DataFusion) filter language. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function list(values: string[]): string {
  return values.map(sqlString).join(', ');
}

/**
 * Renders a SearchFilter as a LanceDB `where` clause, applied inside the query (prefilter).
 * Labels: a chunk is visible when it has none, or shares one with the caller's labels.
 */
export function filterToWhere(filter: SearchFilter | undefined, extra: string[] = []): string | undefined {
  const clauses = [...extra];
  if (filter?.sources) clauses.push(filter.sources.length ? `source IN (${list(filter.sources)})` : 'false');
  if (filter?.docIds) clauses.push(filter.docIds.length ? `doc_id IN (${list(filter.docIds)})` : 'false');
  if (filter?.tags)
    clauses.push(filter.tags.length ? `array_has_any(tags, make_array(${list(filter.tags)}))` : 'false');
  if (filter?.labels) {
    clauses.push(
      filter.labels.length
        ? `(cardinality(labels) = 0 OR array_has_any(labels, make_array(${list(filter.labels)})))`
        : 'cardinality(labels) = 0',
    );
  }
  return clauses.length ? clauses.map((c) => `(${c})`).join(' AND ') : undefined;
}
