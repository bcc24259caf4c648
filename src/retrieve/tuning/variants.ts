import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { chunk, headedText } from '../../chunk/chunk.ts';
import { collectionDir } from '../../paths.ts';
import type { Embedder } from '../../embed/embedder.ts';
import { writeAtomic } from '../../io/atomic-write.ts';
import { EmbeddingCache } from '../../ingest/embedding-cache.ts';
import { chunkIdOf, chunkingKey } from '../../ingest/ingest.ts';
import { parseDocument } from '../../ingest/parsers/index.ts';
import { openStore } from '../../store/open.ts';
import type { Store } from '../../store/store.ts';
import type { ChunkRecord, DocumentRecord } from '../../types.ts';
import { describeChunking, type Chunking } from './grid.ts';

/** A collection's documents whose source files still hold what was ingested, and those that do not. */
export async function sourceDocuments(store: Store): Promise<{ documents: DocumentRecord[]; missing: string[] }> {
  const documents: DocumentRecord[] = [];
  const missing: string[] = [];
  for (const doc of await store.documents()) {
    const bytes = existsSync(doc.source) ? await readFile(doc.source).catch(() => undefined) : undefined;
    if (bytes && createHash('sha256').update(bytes).digest('hex') === doc.docHash) documents.push(doc);
    else missing.push(doc.source);
  }
  return { documents, missing };
}

export interface ChunkingVariant {
  chunking: Chunking;
  /** The variant's own embedded collection (never the user's); disposed by the caller. */
  store: Store;
  chunks: number;
  /** Found built by an earlier run: nothing was embedded. */
  cached: boolean;
  seconds: number;
}

/** The name of a variant: its chunking plus a hash of the embedder, chunking and every document's content. */
export function variantName(embedderId: string, chunking: Chunking, documents: DocumentRecord[]): string {
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        embedderId,
        chunking,
        documents.map((d) => [d.docId, d.docHash, d.labels, d.tags]),
        // header variants built before the header was keyword-indexed too are not reused
        ...(chunking.contextHeaders ? ['headers keyword-indexed'] : []),
      ]),
    )
    .digest('hex')
    .slice(0, 12);
  return `c${chunking.maxTokens}-o${chunking.overlapTokens}-${key}`;
}

/** Whether the variant was built completely by an earlier run (its marker file is written last). */
export function isVariantBuilt(root: string, name: string): boolean {
  return existsSync(join(collectionDir(root, name), 'variant.json'));
}

/**
 * The documents re-chunked with `chunking` and embedded into a collection of their own under `root` (the embedded
 * store, whatever backend the user's collection is on), with the chunk ids, titles, labels and tags `ingest`
 * would give them. Cached by (embedder, chunking, documents): a rerun opens the built one, and the embeddings
 * are cached by text under `root/embeddings`, so texts shared between variants are embedded once.
 */
export async function chunkingVariant(options: {
  root: string;
  documents: DocumentRecord[];
  embedder: Embedder;
  chunking: Chunking;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<ChunkingVariant> {
  const started = performance.now();
  const { embedder, chunking } = options;
  const name = variantName(embedder.id, chunking, options.documents);
  const store = await openStore({
    home: options.root,
    collection: name,
    embedderId: embedder.id,
    dimension: embedder.dimension,
    create: true,
  });
  const seconds = () => (performance.now() - started) / 1000;
  if (isVariantBuilt(options.root, name)) {
    const chunks = (await store.documents()).reduce((sum, d) => sum + d.chunks, 0);
    return { chunking, store, chunks, cached: true, seconds: seconds() };
  }
  try {
    // what each record's vector is computed from: its text, or its text under its title and headings
    const records: (Omit<ChunkRecord, 'vector'> & { embedded: string })[] = [];
    const key = chunkingKey(chunking);
    for (const doc of options.documents) {
      options.signal?.throwIfAborted();
      const bytes = await readFile(doc.source);
      const parsed = await parseDocument(bytes, doc.source);
      const title = parsed.title ?? basename(doc.source);
      for (const c of chunk(parsed, { ...chunking, countTokens: (text) => embedder.countTokens(text) })) {
        const embedded = chunking.contextHeaders ? headedText(c, parsed.title) : c.text;
        records.push({
          chunkId: chunkIdOf(doc.docId, doc.docHash, c.position),
          docId: doc.docId,
          source: doc.source,
          title,
          headingPath: c.headingPath,
          page: c.page ?? null,
          position: c.position,
          text: c.text,
          ...(chunking.contextHeaders ? { keywordText: embedded } : {}),
          chunking: key,
          docHash: doc.docHash,
          labels: doc.labels,
          tags: doc.tags,
          embedded,
        });
      }
    }
    const cache = await EmbeddingCache.open(
      join(options.root, 'embeddings', embedder.id.replace(/[^\w.-]+/g, '_')),
      embedder.dimension,
    );
    const texts = [...new Set(records.map((r) => r.embedded))].filter((text) => !cache.get(text));
    for (let start = 0; start < texts.length; start += 32) {
      options.signal?.throwIfAborted();
      options.onProgress?.(start, texts.length);
      const batch = texts.slice(start, start + 32);
      await cache.put(batch, await embedder.embed(batch, { signal: options.signal }));
    }
    options.onProgress?.(texts.length, texts.length);
    const stale = (await store.documents()).map((d) => d.docId);
    await store.write({
      upsert: records.map(({ embedded, ...r }) => ({ ...r, vector: cache.get(embedded)! })),
      removeDocIds: stale,
    });
    await writeAtomic(
      join(collectionDir(options.root, name), 'variant.json'),
      JSON.stringify({ chunking, embedder: embedder.id, chunks: records.length, label: describeChunking(chunking) }),
    );
    return { chunking, store, chunks: records.length, cached: false, seconds: seconds() };
  } catch (error) {
    await store.dispose();
    throw error;
  }
}
