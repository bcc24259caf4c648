import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { chunk, headedText } from '../chunk/chunk.ts';
import type { Embedder } from '../embed/embedder.ts';
import { errorMessage } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { ChunkRecord, DocumentRecord } from '../types.ts';
import { EmbeddingCache } from './embedding-cache.ts';
import { parseDocument } from './parsers/index.ts';
import { fileSize, walk, type FoundFile } from './walk.ts';

export interface IngestOptions {
  paths: string[];
  store: Store;
  embedder: Embedder;
  /**
   * `contextHeaders`: embed and keyword-index each chunk with its document title and heading path above it
   * (chunk.ts `headedText`; the stored and shown text stays the chunk's own).
   */
  chunking: { maxTokens: number; overlapTokens: number; contextHeaders?: boolean };
  /** Remove documents that were ingested from the given folders and are gone from them. */
  prune?: boolean;
  labels?: string[];
  tags?: string[];
  /** Larger files are refused without being read. Default 50 MB. */
  maxFileBytes?: number;
  /** The folder that ids of files given directly are relative to (default: the working directory). */
  idRoot?: string;
  /** Folder for the crash-safe embedding cache of this collection. */
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: { phase: 'parse' | 'embed' | 'write'; done: number; total: number }) => void;
}

export interface IngestResult {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  failed: { path: string; reason: string }[];
  skipped: string[];
  chunks: number;
}

const EMBED_BATCH = 32;

/**
 * The chunking settings a document's chunks were made with, as the store keeps them (ChunkRecord.chunking):
 * "200/32", or "200/32+headers" with contextHeaders.
 */
export function chunkingKey(chunking: IngestOptions['chunking']): string {
  return `${chunking.maxTokens}/${chunking.overlapTokens}${chunking.contextHeaders ? '+headers' : ''}`;
}

/**
 * Whether a stored document was chunked as `key` (of settings with or without `headers`) says. Chunks written
 * before the key was recorded carry none: they were chunked without headers in their keyword index, so they count
 * as chunked under the same settings unless headers are asked for.
 */
function sameChunking(stored: string | undefined, key: string, headers: boolean | undefined): boolean {
  return stored === undefined ? !headers : stored === key;
}

/** A chunk's id: its document, the document's content hash and its position (re-chunking elsewhere must agree). */
export function chunkIdOf(docId: string, docHash: string, position: number): string {
  return createHash('sha256').update(`${docId}\0${docHash}\0${position}`).digest('hex').slice(0, 32);
}

/**
 * Incremental, atomic ingest: unchanged files (same sha256) are skipped, changed files have
 * their chunks replaced, and every change lands in ONE store write, so an interrupted run leaves
 * the collection as it was; the embedding cache lets the next run finish the job quickly.
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const found = await walk(options.paths, { idRoot: options.idRoot });
  const result: IngestResult = {
    added: 0,
    updated: 0,
    removed: 0,
    unchanged: 0,
    failed: [...found.failed],
    skipped: found.skipped,
    chunks: 0,
  };
  const existing = new Map((await options.store.documents()).map((d) => [d.docId, d]));
  const seen = new Map<string, string>();
  const pending: {
    file: FoundFile;
    docHash: string;
    chunks: ReturnType<typeof chunk>;
    title: string;
    /** What each chunk's vector is computed from, in chunk order. */
    embedded: string[];
    isNew: boolean;
  }[] = [];
  const limit = options.maxFileBytes ?? 50 * 1024 * 1024;
  const chunking = chunkingKey(options.chunking);

  for (const [index, file] of found.files.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'parse', done: index, total: found.files.length });
    file.docId = legacyDocId(file, existing);
    if (seen.has(file.docId)) {
      result.failed.push({
        path: file.source,
        reason: `same document id "${file.docId}" as ${seen.get(file.docId)} in this run`,
      });
      continue;
    }
    seen.set(file.docId, file.source);
    try {
      const size = await fileSize(file.source);
      if (size > limit)
        throw new Error(`file is ${(size / 1e6).toFixed(1)} MB, over the ${(limit / 1e6).toFixed(0)} MB limit`);
      const bytes = await readFile(file.source);
      const docHash = createHash('sha256').update(bytes).digest('hex');
      const before = existing.get(file.docId);
      // access labels and tags are part of a document: a changed label set must reach every chunk;
      // so are the chunking settings: changed ones re-chunk (and re-embed) the document
      if (
        before?.docHash === docHash &&
        sameSet(before.labels, options.labels ?? []) &&
        sameSet(before.tags, options.tags ?? []) &&
        sameChunking(before.chunking, chunking, options.chunking.contextHeaders)
      ) {
        result.unchanged++;
        continue;
      }
      const parsed = await parseDocument(bytes, file.source);
      const chunks = chunk(parsed, { ...options.chunking, countTokens: (text) => options.embedder.countTokens(text) });
      const embedded = chunks.map((c) => (options.chunking.contextHeaders ? headedText(c, parsed.title) : c.text));
      pending.push({ file, docHash, chunks, title: parsed.title ?? basename(file.source), embedded, isNew: !before });
    } catch (error) {
      result.failed.push({ path: file.source, reason: reason(error, file.source) });
    }
  }

  const cache = await EmbeddingCache.open(options.cacheDir, options.embedder.dimension);
  // length-sorted, so each batch pads to similar lengths (bench/embed-order.ts: 1.05× on clapnq, same vectors)
  const texts = [...new Set(pending.flatMap((p) => p.embedded))]
    .filter((text) => !cache.get(text))
    .sort((a, b) => a.length - b.length);
  for (let start = 0; start < texts.length; start += EMBED_BATCH) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'embed', done: start, total: texts.length });
    const batch = texts.slice(start, start + EMBED_BATCH);
    await cache.put(batch, await options.embedder.embed(batch, { signal: options.signal }));
  }
  options.onProgress?.({ phase: 'embed', done: texts.length, total: texts.length });

  const upsert: ChunkRecord[] = pending.flatMap(({ file, docHash, chunks, title, embedded }) =>
    chunks.map((c, i) => ({
      chunkId: chunkIdOf(file.docId, docHash, c.position),
      docId: file.docId,
      source: file.source,
      title,
      headingPath: c.headingPath,
      page: c.page ?? null,
      position: c.position,
      text: c.text,
      ...(options.chunking.contextHeaders ? { keywordText: embedded[i]! } : {}),
      chunking,
      docHash,
      labels: options.labels ?? [],
      tags: options.tags ?? [],
      vector: cache.get(embedded[i]!)!,
    })),
  );
  const roots = [...new Set(found.files.map((f) => f.root).filter((r): r is string => r !== undefined))];
  const gone = options.prune
    ? [...existing.values()]
        .filter(
          (d) =>
            !seen.has(d.docId) && roots.some((root) => d.source.startsWith(root.endsWith(sep) ? root : root + sep)),
        )
        .map((d) => d.docId)
    : [];
  options.signal?.throwIfAborted();
  options.onProgress?.({ phase: 'write', done: 0, total: 1 });
  await options.store.write({ upsert, removeDocIds: gone });
  await cache.clear();
  options.onProgress?.({ phase: 'write', done: 1, total: 1 });
  for (const p of pending) p.isNew ? result.added++ : result.updated++;
  result.removed = gone.length;
  result.chunks = upsert.length;
  return result;
}

function sameSet(a: string[], b: string[]): boolean {
  const left = new Set(a);
  return left.size === new Set(b).size && b.every((value) => left.has(value));
}

/**
 * Collections made before ids were unique per path named a file given directly by its base name.
 * Such a document keeps its id when the same file is ingested again, so it is updated in place
 * rather than duplicated; new documents get path ids.
 */
function legacyDocId(file: FoundFile, existing: Map<string, DocumentRecord>): string {
  if (file.root !== undefined || existing.has(file.docId)) return file.docId;
  const legacy = existing.get(basename(file.source));
  return legacy && resolve(legacy.source) === resolve(file.source) ? legacy.docId : file.docId;
}

function reason(error: unknown, path: string): string {
  const message = errorMessage(error);
  // parser errors already start with the path (`path: …` or `path:line: …`); the result row names it separately
  if (message.startsWith(`${path}: `)) return message.slice(path.length + 2);
  if (message.startsWith(`${path}:`)) return `line ${message.slice(path.length + 1)}`;
  return message;
}
