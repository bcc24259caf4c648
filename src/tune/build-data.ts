import { buildBaseMessages } from '../answer/prompt.ts';
import { clozePairs } from './cloze.ts';
import type { Embedder } from '../embed/embedder.ts';
import { sampleInOrder, seededRandom } from '../evaluate/metrics/statistics.ts';
import type { Generator } from '../generate/generator.ts';
import { retrieve } from '../retrieve/retrieve.ts';
import type { Store } from '../store/store.ts';
import type { ChatMessage, Hit } from '../types.ts';
import { UsageError } from '../errors.ts';
import {
  emptyFitReport,
  fitChat,
  fitRaft,
  raftMessages,
  type FitReport,
  type FitTarget,
  type RaftParts,
} from './fit.ts';
import { generateQaPairs, paraphrase, type QaPair } from './llm-questions.ts';
import { writeAtomic } from '../io/atomic-write.ts';

export const BUILD_MODES = ['cloze', 'qa-llm', 'raft'] as const;
export type BuildMode = (typeof BUILD_MODES)[number];

export interface BuildOptions {
  mode: BuildMode;
  /** Where raft questions come from (default cloze: no LLM). */
  questions?: 'cloze' | 'qa-llm';
  /** Needed for qa-llm questions and for paraphrases. */
  generator?: Generator;
  /** Needed for raft (distractors are retrieved from the same collection). */
  embedder?: Embedder;
  /** LLM rewrites per chunk; questions are made from the chunk and from each kept rewrite. */
  paraphrases?: number;
  questionsPerChunk?: number;
  /** raft: distractor chunks per example. */
  distractors?: number;
  /** raft: share P of examples whose context holds the oracle chunk. */
  oracleShare?: number;
  maxExamples?: number;
  /** Fit every example to the trainer's --max-seq-len in the base model's tokens (RAFT: distractors are cut, never the oracle). */
  fit?: FitTarget;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** One line of the output JSONL: chat messages (read by `attune tune`) and where the fact came from. */
export interface TrainingLine {
  messages: ChatMessage[];
  docId: string;
  chunkId: string;
  /** raft: whether the oracle chunk is in the context. */
  oracle?: boolean;
}

export interface BuildResult {
  lines: TrainingLine[];
  chunks: number;
  /** Chunks that gave no question (too short, or the LLM gave nothing grounded). */
  chunksWithoutQuestions: number;
  paraphrasesKept: number;
  paraphrasesDropped: number;
  /** How the examples were fitted to --max-seq-len (null: not fitted). */
  fitting: FitReport | null;
}

/**
 * Every chunk of the collection, document by document, each document's in chunk-id order.
 * `_dimension` is no longer needed (kept so that existing callers compile).
 */
export async function collectionChunks(store: Store, _dimension?: number): Promise<Hit[]> {
  const chunks: Hit[] = [];
  for (const doc of await store.documents()) {
    const hits = await store.chunksOf(doc.docId);
    chunks.push(...hits.sort((a, b) => a.chunkId.localeCompare(b.chunkId)));
  }
  return chunks;
}

/** Training examples from a collection: cloze or LLM questions (base prompt), or RAFT (rag prompt). */
export async function buildTrainingData(store: Store, chunks: Hit[], options: BuildOptions): Promise<BuildResult> {
  const source = options.mode === 'raft' ? (options.questions ?? 'cloze') : options.mode;
  if ((source === 'qa-llm' || (options.paraphrases ?? 0) > 0) && !options.generator)
    throw new UsageError(`${source === 'qa-llm' ? 'qa-llm questions' : '--paraphrases'} need a generator model`);
  if (options.mode === 'raft' && !options.embedder)
    throw new UsageError("raft needs the collection's embedder to retrieve distractors");
  const random = seededRandom(options.seed ?? 7);
  const result: BuildResult = {
    lines: [],
    chunks: chunks.length,
    chunksWithoutQuestions: 0,
    paraphrasesKept: 0,
    paraphrasesDropped: 0,
    fitting: options.fit ? emptyFitReport(options.fit.maxSeqLen) : null,
  };
  // every question first (cheap for cloze); RAFT's retrieval then runs only for the sampled ones
  const candidates: { pair: QaPair; chunk: Hit; oracleDraw: number; placeDraw: number }[] = [];
  for (const [index, chunk] of chunks.entries()) {
    options.signal?.throwIfAborted();
    options.onProgress?.({ done: index, total: chunks.length });
    const texts = [chunk.text];
    if (options.paraphrases) {
      const rewrites = await paraphrase(options.generator!, chunk.text, options.paraphrases, {
        seed: (options.seed ?? 7) + index,
        signal: options.signal,
      });
      texts.push(...rewrites.kept);
      result.paraphrasesKept += rewrites.kept.length;
      result.paraphrasesDropped += rewrites.dropped;
    }
    const pairs: QaPair[] = [];
    for (const text of texts) {
      if (source === 'cloze')
        pairs.push(
          ...clozePairs([{ docId: chunk.docId, text }]).map((p) => ({ question: p.prompt, answer: p.completion })),
        );
      else
        pairs.push(
          ...(await generateQaPairs(options.generator!, text, options.questionsPerChunk ?? 3, {
            signal: options.signal,
          })),
        );
    }
    if (pairs.length === 0) result.chunksWithoutQuestions++;
    // the oracle draws are made in document order, so an example is the same whatever the sample
    for (const pair of pairs) candidates.push({ pair, chunk, oracleDraw: random(), placeDraw: random() });
  }
  if (options.mode !== 'raft') {
    for (const { pair, chunk } of candidates) {
      const messages = fitted(
        [...buildBaseMessages(pair.question), { role: 'assistant', content: pair.answer }],
        options.fit,
        result.fitting,
      );
      if (messages) result.lines.push({ messages, docId: chunk.docId, chunkId: chunk.chunkId });
    }
    result.lines = sampleInOrder(result.lines, options.maxExamples, options.seed ?? 7);
  } else {
    const kept: { index: number; line: TrainingLine }[] = [];
    for (const index of sampleOrder(candidates.length, options.seed ?? 7)) {
      if (options.maxExamples && kept.length >= options.maxExamples) break;
      options.signal?.throwIfAborted();
      const { pair, chunk, oracleDraw, placeDraw } = candidates[index]!;
      const parts = await raftParts(store, options.embedder!, pair, chunk, {
        distractors: options.distractors ?? 3,
        withOracle: oracleDraw < (options.oracleShare ?? 0.8),
        place: placeDraw,
        signal: options.signal,
      });
      const messages = options.fit ? fitRaft(parts, options.fit, result.fitting!)?.messages : raftMessages(parts);
      if (messages)
        kept.push({
          index,
          line: { messages, docId: chunk.docId, chunkId: chunk.chunkId, oracle: parts.oracle !== null },
        });
    }
    result.lines = kept.sort((a, b) => a.index - b.index).map((k) => k.line);
  }
  options.onProgress?.({ done: chunks.length, total: chunks.length });
  return result;
}

/** A deterministic random order of 0..n-1 (the order sampleInOrder draws in). */
function sampleOrder(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, index) => ({ index, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map((entry) => entry.index);
}

function fitted(messages: ChatMessage[], fit: FitTarget | undefined, report: FitReport | null): ChatMessage[] | null {
  return fit ? fitChat(messages, fit, report!) : messages;
}

/**
 * RAFT (Zhang et al. 2024): the question with k distractors retrieved from the collection, plus the oracle
 * chunk in a share P of examples, at a random place; the answer cites the oracle by its number. Without
 * the oracle the answer stays the same (uncited), as in the paper, so the model also learns the fact itself.
 */
export async function raftParts(
  store: Store,
  embedder: Embedder,
  pair: QaPair,
  oracle: Hit,
  options: {
    distractors: number;
    withOracle: boolean /** in [0, 1): where the oracle goes */;
    place: number;
    signal?: AbortSignal;
  },
): Promise<RaftParts> {
  const { hits } = await retrieve(store, embedder, pair.question, {
    k: options.distractors + 1,
    mode: 'hybrid',
    signal: options.signal,
  });
  const distractors: Hit[] = hits.filter((hit) => hit.chunkId !== oracle.chunkId).slice(0, options.distractors);
  const oracleAt = options.withOracle ? Math.floor(options.place * (distractors.length + 1)) : 0;
  return {
    question: pair.question,
    answer: pair.answer,
    distractors,
    oracle: options.withOracle ? oracle : null,
    oracleAt,
  };
}

/** Writes the JSONL atomically (temp file, then rename). */
export async function writeTrainingData(file: string, lines: TrainingLine[]): Promise<void> {
  await writeAtomic(file, lines.map((line) => JSON.stringify(line)).join('\n') + (lines.length ? '\n' : ''));
}
