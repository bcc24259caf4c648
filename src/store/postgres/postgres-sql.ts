import type { ChunkRecord, Hit, SearchFilter } from '../../types.ts';

/** Collects query parameters; `add(value)` returns its `$n` placeholder. */
export function parameters(): { values: unknown[]; add(value: unknown): string } {
  const values: unknown[] = [];
  return { values, add: (value) => `$${values.push(value)}` };
}

/** The WHERE clause for one collection and a SearchFilter (labels: none on the chunk, or one shared). */
export function filterWhere(
  p: ReturnType<typeof parameters>,
  collection: string,
  filter?: SearchFilter,
  alias = '',
): string {
  const c = alias ? `${alias}.` : '';
  const clauses = [`${c}collection = ${p.add(collection)}`];
  if (filter?.labels) clauses.push(`(cardinality(${c}labels) = 0 OR ${c}labels && ${p.add(filter.labels)}::text[])`);
  if (filter?.tags) clauses.push(`${c}tags && ${p.add(filter.tags)}::text[]`);
  if (filter?.sources) clauses.push(`${c}source = ANY(${p.add(filter.sources)}::text[])`);
  if (filter?.docIds) clauses.push(`${c}doc_id = ANY(${p.add(filter.docIds)}::text[])`);
  return clauses.join(' AND ');
}

/** pgvector's text form; float32 → double → text round-trips exactly back to float4. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector).join(',')}]`;
}

export function parseVector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(',').map(Number));
}

/**
 * Keyword query: the English-normalised terms of the text joined with OR, like BM25 (any term
 * matches, ranking rewards more and closer terms). plainto_tsquery's AND would drop every chunk
 * missing one word of a natural-language question.
 */
export function keywordQuery(p: ReturnType<typeof parameters>, text: string): string {
  return `replace(plainto_tsquery('english', ${p.add(text)}::text)::text, ' & ', ' | ')::tsquery`;
}

export const HIT_COLUMNS = 'chunk_id, doc_id, source, title, heading_path, page, text, labels, tags';

export function toHit(row: Record<string, any>, score: number): Hit {
  return {
    chunkId: row.chunk_id,
    docId: row.doc_id,
    source: row.source,
    title: row.title,
    headingPath: row.heading_path,
    page: row.page ?? null,
    text: row.text,
    labels: row.labels,
    tags: row.tags,
    score,
  };
}

/** Column arrays for one `INSERT … SELECT FROM unnest(…)`: one statement, one round trip per batch. */
export function chunkColumns(chunks: ChunkRecord[]): unknown[] {
  // unnest flattens multi-dimensional arrays, so string lists travel as JSON text
  return [
    chunks.map((c) => c.chunkId),
    chunks.map((c) => c.docId),
    chunks.map((c) => c.source),
    chunks.map((c) => c.title),
    chunks.map((c) => JSON.stringify(c.headingPath)),
    chunks.map((c) => c.page),
    chunks.map((c) => c.position),
    chunks.map((c) => c.text),
    // NULL where the keyword index sees the text alone (the tsv column falls back to it)
    chunks.map((c) => (c.keywordText !== undefined && c.keywordText !== c.text ? c.keywordText : null)),
    chunks.map((c) => c.chunking ?? null),
    chunks.map((c) => c.docHash),
    chunks.map((c) => JSON.stringify(c.labels)),
    chunks.map((c) => JSON.stringify(c.tags)),
    chunks.map((c) => vectorLiteral(c.vector)),
  ];
}

export function insertChunksSql(dimension: number): string {
  const list = (column: string) => `ARRAY(SELECT jsonb_array_elements_text(${column}::jsonb))`;
  return `INSERT INTO chunks (collection, chunk_id, doc_id, source, title, heading_path, page, position, text, keyword_text, chunking, doc_hash, labels, tags, embedding)
    SELECT $1, u.chunk_id, u.doc_id, u.source, u.title, ${list('u.heading_path')}, u.page, u.position, u.text, u.keyword_text, u.chunking, u.doc_hash, ${list('u.labels')}, ${list('u.tags')}, u.embedding::vector(${dimension})
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
      AS u(chunk_id, doc_id, source, title, heading_path, page, position, text, keyword_text, chunking, doc_hash, labels, tags, embedding)`;
}
