import { readFile } from 'node:fs/promises';
import { isAnswerable, parseQuestions } from '../../dataset/questions.ts';
import type { Embedder } from '../../embed/embedder.ts';
import { DatasetError, UsageError } from '../../errors.ts';
import { sampleInOrder, seededRandom } from '../../evaluate/metrics/statistics.ts';
import type { Generator } from '../../generate/generator.ts';
import { parseJsonLines } from '../../io/jsonl.ts';
import { containsAnswer } from '../../retrieve/tuning/relevance.ts';
import type { ChunkRecord } from '../../types.ts';
import { clozeQueries } from '../cloze.ts';
import { generateQaPairs } from '../llm-questions.ts';
import { rankChunks } from './exact-search.ts';

/** One training or held-out example: a question and the chunk of the collection that answers it. */
export interface EmbedderPair {
  question: string;
  passage: string;
  docId: string;
  chunkId: string;
  /** `file:line` of a labelled question, or `generated: cloze|qa-llm`. */
  origin: string;
}

export interface PairSet {
  pairs: EmbedderPair[];
  /** Why questions gave no pair, with counts ("2 unanswerable questions"). */
  notes: string[];
  skipped: number;
}

export const GENERATE_MODES = ['cloze', 'qa-llm'] as const;
export type GenerateMode = (typeof GENERATE_MODES)[number];

const pair = (question: string, chunk: ChunkRecord, origin: string): EmbedderPair => ({
  question,
  passage: chunk.text,
  docId: chunk.docId,
  chunkId: chunk.chunkId,
  origin,
});

function countNotes(reasons: string[]): string[] {
  const counts = new Map<string, number>();
  for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} question(s) skipped: ${reason}`);
}

/**
 * Pairs from a question file in the format `attune eval` and `tune-retrieval --questions` read ({id, question,
 * answers, goldDocIds?}). The passage is the gold document's chunk that holds an answer, else its chunk closest
 * to the question by the collection's embedder; without gold documents, the one chunk holding an answer (a
 * question whose answer is in several documents, or in none, is skipped and counted). An invalid line, or a gold
 * document the collection lacks, refuses the file with its file:line and field: nothing is trained on less
 * than the user gave without saying so.
 */
export async function readLabelledPairs(
  file: string,
  chunks: readonly ChunkRecord[],
  embedder: Embedder,
  options: { collection: string; signal?: AbortSignal },
): Promise<PairSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DatasetError(`cannot read question file ${file}: ${(error as Error).message}`, {
      input: file,
      cause: error,
    });
  }
  const { questions, errors } = parseQuestions(text, file);
  if (errors.length)
    throw new DatasetError(
      `${errors[0]!.message}${errors.length > 1 ? ` (and ${errors.length - 1} more invalid line(s))` : ''}`,
      { input: errors[0]!.input },
    );
  const lineOf = new Map<string, number>();
  for (const entry of parseJsonLines(text)) {
    const id = (entry.value as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string') lineOf.set(id, entry.line);
  }
  const byDoc = new Map<string, ChunkRecord[]>();
  for (const chunk of chunks) byDoc.set(chunk.docId, [...(byDoc.get(chunk.docId) ?? []), chunk]);
  const pairs: EmbedderPair[] = [];
  const closest: { question: string; candidates: ChunkRecord[]; origin: string }[] = [];
  const skipped: string[] = [];
  for (const question of questions) {
    const origin = `${file}:${lineOf.get(question.id)}`;
    if (!isAnswerable(question)) {
      skipped.push('unanswerable');
      continue;
    }
    if (question.goldDocIds?.length) {
      for (const docId of question.goldDocIds) {
        const candidates = byDoc.get(docId);
        if (!candidates)
          throw new DatasetError(
            `${origin} field "goldDocIds": document "${docId}" is not in collection ${options.collection}: ingest it, or fix the id (ids are paths relative to the ingested folder)`,
            { input: origin },
          );
        const holding = candidates.find((chunk) => containsAnswer(chunk, question.answers));
        if (holding || candidates.length === 1) pairs.push(pair(question.question, holding ?? candidates[0]!, origin));
        else closest.push({ question: question.question, candidates, origin });
      }
      continue;
    }
    const holding = chunks.filter((chunk) => containsAnswer(chunk, question.answers));
    const documents = new Set(holding.map((chunk) => chunk.docId));
    if (documents.size === 1) pairs.push(pair(question.question, holding[0]!, origin));
    else skipped.push(documents.size === 0 ? 'no chunk holds an answer' : 'an answer is in several documents');
  }
  if (closest.length) {
    const vectors = await embedder.embed(
      closest.map((c) => c.question),
      { signal: options.signal },
    );
    closest.forEach((entry, i) => {
      const best = rankChunks(vectors[i]!, entry.candidates, 1)[0]!;
      pairs.push(pair(entry.question, entry.candidates.find((c) => c.chunkId === best.chunkId)!, entry.origin));
    });
  }
  return { pairs, notes: countNotes(skipped), skipped: skipped.length };
}

/**
 * Pairs generated from the collection, as `attune dataset build` makes its questions: cloze (a sentence's first
 * ~60% as the query, no LLM) or qa-llm (questions the generator writes about a chunk, kept only when the answer
 * is grounded in it). qa-llm visits chunks in a seeded order and stops at `max` pairs; cloze samples `max`.
 */
export async function generatePairs(
  chunks: readonly ChunkRecord[],
  options: {
    mode: GenerateMode;
    generator?: Generator;
    max?: number;
    perChunk?: number;
    seed?: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<PairSet> {
  const origin = `generated: ${options.mode}`;
  const seed = options.seed ?? 7;
  if (options.mode === 'cloze') {
    const seen = new Set<string>();
    const all = chunks.flatMap((chunk) =>
      clozeQueries([{ docId: chunk.docId, text: chunk.text }], seen).map((q) => pair(q.query, chunk, origin)),
    );
    const empty = chunks.length - new Set(all.map((p) => p.chunkId)).size;
    return {
      pairs: sampleInOrder(all, options.max, seed),
      notes: empty ? [`${empty} chunk(s) gave no cloze question (no sentence of 8 words or more)`] : [],
      skipped: 0,
    };
  }
  if (!options.generator) throw new UsageError('qa-llm questions need a generator model');
  const order = seededOrder(chunks.length, seed);
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const pairs: EmbedderPair[] = [];
  let empty = 0;
  for (const [done, index] of order.entries()) {
    if (pairs.length >= max) break;
    options.signal?.throwIfAborted();
    options.onProgress?.(done, order.length);
    const chunk = chunks[index]!;
    const generated = await generateQaPairs(options.generator, chunk.text, options.perChunk ?? 2, {
      signal: options.signal,
    });
    if (generated.length === 0) empty++;
    for (const qa of generated) pairs.push(pair(qa.question, chunk, origin));
  }
  options.onProgress?.(order.length, order.length);
  return {
    pairs: pairs.slice(0, max),
    notes: empty ? [`${empty} chunk(s) gave no grounded qa-llm question`] : [],
    skipped: 0,
  };
}

function seededOrder(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, index) => ({ index, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map((entry) => entry.index);
}
