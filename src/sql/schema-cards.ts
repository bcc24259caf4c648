import type { TableSchema } from './database.ts';

/** One retrievable unit: a table's schema card, a passage of business docs, or an example question→SQL pair. */
export interface SchemaCard {
  kind: 'table' | 'doc' | 'example';
  /** `table` cards: the table key (`database.table` when several databases share an index). */
  id: string;
  text: string;
  /** Example cards: the SQL; doc cards: the source file. */
  sql?: string;
  source?: string;
}

export interface JoinPath {
  from: string;
  fromColumns: string[];
  to: string;
  toColumns: string[];
  /** False when inferred from column names because the database declares no foreign keys. */
  declared: boolean;
}

/**
 * Join paths from declared foreign keys; when a database declares none at all (common in SQLite
 * dumps), inferred from a column named like another table's key (`state_name` → state.state_name).
 */
export function joinPaths(tables: TableSchema[]): JoinPath[] {
  const declared = tables.flatMap((table) =>
    table.foreignKeys.map((key) => ({
      from: table.name,
      fromColumns: key.columns,
      to: key.table,
      toColumns: key.references,
      declared: true,
    })),
  );
  if (declared.length > 0) return declared;
  const inferred: JoinPath[] = [];
  for (const table of tables) {
    for (const column of table.columns) {
      for (const other of tables) {
        if (other === table) continue;
        const stem = other.name.toLowerCase();
        const name = column.name.toLowerCase();
        if (![`${stem}_name`, `${stem}_id`, `${stem}id`].includes(name)) continue;
        const target = other.columns.find((c) => c.name.toLowerCase() === name);
        if (target)
          inferred.push({
            from: table.name,
            fromColumns: [column.name],
            to: other.name,
            toColumns: [target.name],
            declared: false,
          });
      }
    }
  }
  return inferred;
}

/** Tables that `table`'s foreign keys reference (child → parent: a fact table brings its dimensions, not the reverse). */
export function joinPartners(table: string, paths: JoinPath[]): string[] {
  const partners = paths.flatMap((path) => (path.from === table ? [path.to] : []));
  return [...new Set(partners)].filter((partner) => partner !== table);
}

const describeJoin = (path: JoinPath) =>
  `${path.from}.${path.fromColumns.join(',')} = ${path.to}.${path.toColumns.join(',')}${path.declared ? '' : ' (inferred)'}`;

/** The text embedded for retrieval: names in words, types, keys, sample values, joins, comments. */
export function tableCardText(table: TableSchema, paths: JoinPath[], database?: string): string {
  const words = (name: string) =>
    name
      .replace(/[_-]+/g, ' ')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
  const columns = table.columns.map((column) => {
    const notes = [
      column.type,
      column.primaryKey ? 'primary key' : '',
      column.comment ?? '',
      column.samples?.length ? `e.g. ${column.samples.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return `${words(column.name)} (${notes})`;
  });
  const joins = paths.filter((path) => path.from === table.name || path.to === table.name).map(describeJoin);
  return [
    `table ${words(table.name)}${database ? ` in database ${words(database)}` : ''}${table.comment ? `: ${table.comment}` : ''}`,
    `columns: ${columns.join(', ')}`,
    joins.length ? `joins: ${joins.join('; ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The prompt's rendering: CREATE TABLE with keys, and comments for samples, joins and descriptions. */
export function renderTable(table: TableSchema, paths: JoinPath[]): string {
  const items = table.columns.map((column) => ({
    definition: `${column.name} ${column.type}${column.primaryKey ? ' PRIMARY KEY' : ''}`,
    comment: [
      column.comment,
      column.samples?.length ? `e.g. ${column.samples.map((s) => JSON.stringify(s)).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; '),
  }));
  for (const path of paths.filter((p) => p.from === table.name)) {
    items.push({
      definition: `FOREIGN KEY (${path.fromColumns.join(', ')}) REFERENCES ${path.to}(${path.toColumns.join(', ')})`,
      comment: path.declared ? '' : 'inferred join',
    });
  }
  const body = items
    .map(
      (item, i) => `  ${item.definition}${i < items.length - 1 ? ',' : ''}${item.comment ? ` -- ${item.comment}` : ''}`,
    )
    .join('\n');
  return `${table.comment ? `-- ${table.comment}\n` : ''}CREATE TABLE ${table.name} (\n${body}\n);`;
}

/** Splits business documentation into paragraph-sized cards (blank-line separated, headings kept). */
export function docCards(text: string, source: string, maxChars = 800): SchemaCard[] {
  const cards: SchemaCard[] = [];
  let heading = '';
  let current = '';
  const flush = () => {
    if (current.trim())
      cards.push({
        kind: 'doc',
        id: `${source}#${cards.length}`,
        text: `${heading ? `${heading}\n` : ''}${current.trim()}`,
        source,
      });
    current = '';
  };
  for (const block of text.split(/\n\s*\n/)) {
    const trimmed = block.trim();
    if (/^#{1,6}\s/.test(trimmed) && !trimmed.includes('\n')) {
      flush();
      heading = trimmed.replace(/^#+\s*/, '');
      continue;
    }
    if (current.length + trimmed.length > maxChars) flush();
    current += `${trimmed}\n\n`;
  }
  flush();
  return cards;
}
