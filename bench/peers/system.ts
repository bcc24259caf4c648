import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { RankedDocument } from '../../src/evaluate/metrics/retrieval.ts';

/**
 * One framework's retrieval pipeline under test, all on the same MiniLM embedder: one index, searched in one or
 * more modes (attune: vector and hybrid over the same LanceDB table).
 */
export interface RetrievalSystem {
  /** Reads every file under `corpusDir`, splits, embeds and indexes it; the timed part of the run. */
  ingest(corpusDir: string, onProgress: (done: number, total: number) => void): Promise<{ chunks: number }>;
  /** The factory's `k` best chunks, best first, each with its document id (its file's path in the corpus folder). */
  search(query: string, mode: string): Promise<RankedDocument[]>;
  dispose(): Promise<void>;
}

export type SystemFactory = (options: { scratchDir: string; k: number }) => Promise<RetrievalSystem>;

/**
 * The frameworks a run can compare: a module under systems/, and its search modes with the name each row gets.
 * The peers' modules are loaded by path at run time, so attune's typecheck and tests never need them installed.
 */
export const SYSTEMS: Record<string, { module: string; peer: boolean; modes: Record<string, string> }> = {
  attune: { module: 'attune.ts', peer: false, modes: { vector: 'attune-vector', hybrid: 'attune-hybrid' } },
  langchain: { module: 'langchain.ts', peer: true, modes: { dense: 'langchain', hybrid: 'langchain-hybrid' } },
  llamaindex: { module: 'llamaindex.ts', peer: true, modes: { vector: 'llamaindex' } },
};

/** Every file under `corpusDir` as {docId, text}: the peers read the same files attune ingests, inside their timing. */
export async function readCorpus(corpusDir: string): Promise<{ docId: string; text: string }[]> {
  const entries = await readdir(corpusDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  return Promise.all(
    files.map(async (file) => ({
      docId: relative(corpusDir, file).split(sep).join('/'),
      text: await readFile(file, 'utf8'),
    })),
  );
}

/** Scores for a list that comes back ranked but without scores: strictly decreasing, so no ties are invented. */
export const rankScores = (docIds: string[]): RankedDocument[] =>
  docIds.map((docId, rank) => ({ docId, score: 1 / (rank + 1) }));
