import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import type { Embedder } from '../embed/embedder.ts';
import { DocumentError, UsageError } from '../errors.ts';
import type { IntrospectOptions, SqlDatabase } from './database.ts';
import { readSqlDataset } from './dataset.ts';
import { docCards, type SchemaCard } from './schema-cards.ts';
import { collectValues } from './schema-linking.ts';
import { buildSqlIndex, indexPath, loadSqlIndex, saveSqlIndex, type SqlIndex } from './sql-index.ts';

/** Markdown/text files from a file or a folder (recursively) → doc cards. */
export function readDocs(path: string): SchemaCard[] {
  if (!existsSync(path)) throw new UsageError(`--docs: not found: ${path}`, { input: path });
  const files = statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, encoding: 'utf8' })
        .map((file) => join(path, file))
        .filter((file) => ['.md', '.txt', '.markdown'].includes(extname(file).toLowerCase()))
    : [path];
  return files.flatMap((file) => {
    try {
      return docCards(readFileSync(file, 'utf8'), file);
    } catch (error) {
      throw new DocumentError(`${file}: cannot read: ${(error as Error).message}`, { input: file, cause: error });
    }
  });
}

export interface IndexDatabaseOptions extends IntrospectOptions {
  docs?: string;
  examples?: string;
  onWarning?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

/** Introspects the database now (so schema changes are picked up), embeds the cards and saves the index. */
export async function indexDatabase(
  home: string,
  db: SqlDatabase,
  embedder: Embedder,
  options: IndexDatabaseOptions = {},
): Promise<{ index: SqlIndex; path: string }> {
  const tables = await db.introspect(options);
  const docs = options.docs ? readDocs(options.docs) : [];
  const examples = options.examples
    ? readSqlDataset(options.examples, (error) => options.onWarning?.(error.message))
    : [];
  // values are data: with samples off (`--no-samples`) none are kept for schema linking either
  const values =
    options.samples === 0 ? undefined : await collectValues(db, tables, { excludeSamples: options.excludeSamples });
  const index = await buildSqlIndex(
    { databaseId: db.id, dialect: db.dialect, tables, docs, examples, values },
    embedder,
    { onProgress: options.onProgress },
  );
  return { index, path: saveSqlIndex(home, index) };
}

/** The saved index, or a fresh one (schema only) when none exists or it was built with another embedder. */
export async function loadOrIndex(
  home: string,
  db: SqlDatabase,
  embedder: Embedder,
  onWarning?: (message: string) => void,
): Promise<SqlIndex> {
  if (existsSync(indexPath(home, db.id))) {
    const index = loadSqlIndex(home, db.id);
    if (index.embedderId === embedder.id) return index;
    onWarning?.(`the SQL index was built with ${index.embedderId}; re-indexing with ${embedder.id}`);
  }
  return (await indexDatabase(home, db, embedder, { onWarning })).index;
}

/** `--adapter NAME` (registered under <home>/adapters/NAME/adapter.gguf) or a path to a GGUF adapter. */
export function resolveAdapter(home: string, nameOrPath: string): { name: string; path: string } {
  const registered = join(home, 'adapters', nameOrPath, 'adapter.gguf');
  if (!nameOrPath.includes('/') && existsSync(registered)) return { name: nameOrPath, path: registered };
  const path = isAbsolute(nameOrPath) ? nameOrPath : resolve(nameOrPath);
  if (existsSync(path) && statSync(path).isFile()) return { name: nameOrPath.replace(/\W+/g, '-'), path };
  if (existsSync(join(path, 'adapter.gguf')))
    return { name: nameOrPath.replace(/\W+/g, '-'), path: join(path, 'adapter.gguf') };
  throw new UsageError(`--adapter: no adapter "${nameOrPath}": expected ${registered} or a path to a GGUF adapter`, {
    input: nameOrPath,
  });
}
