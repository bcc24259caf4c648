import { watch as watchPath, type FSWatcher } from 'node:fs';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorMessage } from '../errors.ts';
import { ingest, type IngestOptions, type IngestResult } from './ingest.ts';
import { writeAtomic } from '../io/atomic-write.ts';

export interface WatchOptions extends Omit<IngestOptions, 'paths' | 'prune' | 'onProgress'> {
  /** Files and folders to keep the collection in step with (folders recursively). */
  paths: string[];
  /** Where the watcher records what it has seen but not yet committed (one file per collection). */
  journal: string;
  /** Quiet time after the last change before a batch starts; changes within it share one commit. */
  debounceMs?: number;
  /** A steady stream of changes still commits at least this often. */
  maxWaitMs?: number;
  onBatch?: (batch: WatchBatch) => void;
  onError?: (error: Error) => void;
  /**
   * Runs each batch's ingest, e.g. in the server's ingest lane so that a batch never commits beside an
   * upload to the same collection. Default: run it directly.
   */
  serialise?: (ingestBatch: () => Promise<IngestResult>) => Promise<IngestResult>;
  /** After a failed batch its changes are retried after this long (the next change retries sooner). */
  retryMs?: number;
}

export interface WatchBatch {
  /** `catch-up`: the first batch, for what changed while no watcher ran; `change`: files changed now. */
  trigger: 'catch-up' | 'change';
  /** Paths the file system reported (for catch-up: those a previous watcher had left uncommitted). */
  changed: string[];
  result: IngestResult;
  /** From the first change of the batch (or the start) to the commit. */
  ms: number;
  committedAt: string;
}

export interface WatchJournal {
  pending: string[];
  lastCommit?: { at: string; added: number; updated: number; removed: number };
}

export interface Watcher {
  /** Starts the batch of the changes waiting for their debounce now, and resolves once it is committed (or failed). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Editor swap files, temp files of atomic saves and hidden files never become documents. */
const IGNORED = /(^\.|~$|\.sw[po]$|\.tmp$|\.partial$|\.crdownload$)/;

export async function readJournal(path: string): Promise<WatchJournal> {
  if (!existsSync(path)) return { pending: [] };
  try {
    return JSON.parse(await readFile(path, 'utf8')) as WatchJournal;
  } catch {
    // a journal cut short by a crash holds nothing the catch-up scan would not find again
    return { pending: [] };
  }
}

async function writeJournal(path: string, journal: WatchJournal): Promise<void> {
  await writeAtomic(path, JSON.stringify(journal));
}

/**
 * Keeps a collection in step with files as they change. Every batch is one `ingest --prune` of the
 * watched paths: incremental by content hash (unchanged files cost a hash, not an embedding) and one
 * atomic store commit, so a reader never sees half a batch and a crash leaves the last commit intact.
 * The journal records the changes seen and not yet committed; on start, the watcher first runs a
 * catch-up batch, which finds everything that changed while it was down (by hash, whether or not the
 * journal knew of it) and reports the journal's leftovers.
 */
/** How long the watcher waits after a change for more changes before it starts a batch (`--debounce-ms`). */
export const DEFAULT_DEBOUNCE_MS = 250;

export async function watchCollection(options: WatchOptions): Promise<Watcher> {
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const maxWaitMs = options.maxWaitMs ?? 2_000;
  const leftover = await readJournal(options.journal);
  const pending = new Set<string>();
  let firstChangeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;
  let lastCommit = leftover.lastCommit;
  const {
    journal: journalFile,
    debounceMs: _d,
    maxWaitMs: _m,
    onBatch: _b,
    onError: _e,
    serialise,
    retryMs: _r,
    ...ingestOptions
  } = options;
  const ingestBatch = () => ingest({ ...ingestOptions, prune: true });

  const runBatch = async (trigger: WatchBatch['trigger'], changed: string[], startedAt: number) => {
    // the journal holds what is in flight and what is queued behind it, never more than memory knows
    await writeJournal(journalFile, { pending: [...new Set([...changed, ...pending])], lastCommit });
    let result: IngestResult;
    try {
      result = await (serialise ? serialise(ingestBatch) : ingestBatch());
    } catch (error) {
      // nothing was committed (ingest is atomic): keep the changes and try again
      for (const path of changed) pending.add(path);
      if (!closed && !timer && changed.length > 0) {
        if (firstChangeAt === 0) firstChangeAt = startedAt;
        timer = setTimeout(flush, options.retryMs ?? 5_000);
      }
      throw error;
    }
    const committedAt = new Date().toISOString();
    lastCommit = { at: committedAt, added: result.added, updated: result.updated, removed: result.removed };
    await writeJournal(journalFile, { pending: [...pending], lastCommit });
    options.onBatch?.({ trigger, changed, result, ms: performance.now() - startedAt, committedAt });
  };

  const schedule = (run: () => Promise<void>) => {
    running = running
      .then(run)
      .catch((error: unknown) => options.onError?.(error instanceof Error ? error : new Error(errorMessage(error))));
    return running;
  };

  const flush = () => {
    timer = undefined;
    if (pending.size === 0 || closed) return;
    const changed = [...pending];
    const startedAt = firstChangeAt;
    pending.clear();
    firstChangeAt = 0;
    void schedule(() => runBatch('change', changed, startedAt));
  };

  const onEvent = (root: string, isFolder: boolean) => (_event: string, name: string | Buffer | null) => {
    const relative = name?.toString() ?? '';
    const path = isFolder ? join(root, relative) : root;
    if (IGNORED.test(basename(path))) return;
    pending.add(path);
    const now = performance.now();
    if (firstChangeAt === 0) firstChangeAt = now;
    if (timer) clearTimeout(timer);
    // a steady stream of edits still commits every maxWaitMs
    timer = setTimeout(flush, now - firstChangeAt >= maxWaitMs ? 0 : debounceMs);
  };

  const watchers: FSWatcher[] = [];
  for (const path of options.paths) {
    const isFolder = (await stat(path)).isDirectory();
    const watcher = watchPath(path, { recursive: isFolder, persistent: true }, onEvent(path, isFolder));
    watcher.on('error', (error) => options.onError?.(error));
    watchers.push(watcher);
  }
  // catch up only after the watchers are in place, so no change falls between the scan and the watch
  await schedule(() => runBatch('catch-up', leftover.pending, performance.now()));

  const abort = () => void close();
  options.signal?.addEventListener('abort', abort, { once: true });
  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (timer) clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
    options.signal?.removeEventListener('abort', abort);
    await running;
  }
  return {
    idle: async () => {
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      await running;
    },
    close,
  };
}
