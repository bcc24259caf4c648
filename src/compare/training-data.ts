import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildBaseMessages, buildRagMessages } from '../answer/prompt.ts';
import { chunk } from '../chunk/chunk.ts';
import type { Embedder } from '../embed/embedder.ts';
import { seededRandom } from '../evaluate/metrics/statistics.ts';
import { parseDocument } from '../ingest/parsers/index.ts';
import { walk } from '../ingest/walk.ts';
import { retrieve } from '../retrieve/retrieve.ts';
import type { Store } from '../store/store.ts';
import type { ChatMessage, Hit } from '../types.ts';

/** A corpus document as the pipeline sees it: its id (as `ingest` names it), title, text and chunks. */
export interface CorpusDocument {
  docId: string;
  title: string;
  text: string;
  chunks: Pick<Hit, 'title' | 'text' | 'headingPath'>[];
}

/** A generated training example: chat messages, and the cloze it came from (for the leakage check and reports). */
export interface GeneratedExample {
  messages: ChatMessage[];
  prompt: string;
  completion: string;
  docId: string;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const MIN_WORDS = 8;
/** Where a sentence is cut into prompt and completion: several cuts = several phrasings of one fact. */
const CUTS = [0.4, 0.6, 0.8];
export const CLOZE_PREFIX = 'Complete: ';

/** Reads every supported file under the paths, parsed and chunked like `ingest` does. */
export async function readCorpus(paths: string[], chunking: { maxTokens: number; overlapTokens: number }, countTokens: (text: string) => number): Promise<Map<string, CorpusDocument>> {
  const found = await walk(paths);
  const documents = new Map<string, CorpusDocument>();
  for (const file of found.files) {
    const parsed = await parseDocument(await readFile(file.source), file.source);
    const title = parsed.title ?? basename(file.source);
    const text = parsed.blocks.map((b) => b.text).join('\n\n');
    const chunks = chunk(parsed, { ...chunking, countTokens }).map((c) => ({ title, text: c.text, headingPath: c.headingPath }));
    documents.set(file.docId, { docId: file.docId, title, text, chunks });
  }
  return documents;
}

/** Cloze pairs from every sentence of the documents: "Complete: <first part> …" → "<rest>". No LLM needed. */
export function clozePairs(documents: Iterable<CorpusDocument>): { prompt: string; completion: string; docId: string; sentence: string }[] {
  const pairs: { prompt: string; completion: string; docId: string; sentence: string }[] = [];
  for (const doc of documents) {
    for (const { segment } of segmenter.segment(doc.text)) {
      const sentence = segment.trim().replace(/\s+/g, ' ');
      const words = sentence.split(' ');
      if (words.length < MIN_WORDS) continue;
      const cuts = [...new Set(CUTS.map((f) => Math.round(words.length * f)))].filter((c) => c > 2 && c < words.length);
      for (const cut of cuts) pairs.push({ prompt: `${CLOZE_PREFIX}${words.slice(0, cut).join(' ')} …`, completion: words.slice(cut).join(' '), docId: doc.docId, sentence });
    }
  }
  return pairs;
}

/** Q/A training data for `ft`: the cloze pairs in the same prompt format the `ft` strategy answers with. */
export function buildQaExamples(documents: Iterable<CorpusDocument>, options: { maxExamples?: number; seed?: number } = {}): GeneratedExample[] {
  const pairs = sample(clozePairs(documents), options.maxExamples, options.seed ?? 1);
  return pairs.map((p) => ({ messages: [...buildBaseMessages(p.prompt), { role: 'assistant', content: p.completion }], prompt: p.prompt, completion: p.completion, docId: p.docId }));
}

/**
 * RAFT training data: each cloze question with retrieved distractor chunks; in a share `oracleShare` of the
 * examples the chunk that holds the answer is among them (and the answer cites it), in the rest it is not,
 * so the model learns to read the right document and to ignore the wrong ones. Same prompt as rag/raft answer with.
 */
export async function buildRaftExamples(documents: Map<string, CorpusDocument>, store: Store, embedder: Embedder, options: { k: number; oracleShare?: number; maxExamples?: number; seed?: number; signal?: AbortSignal }): Promise<GeneratedExample[]> {
  const random = seededRandom(options.seed ?? 2);
  const pairs = sample(clozePairs(documents.values()), options.maxExamples, options.seed ?? 2);
  const examples: GeneratedExample[] = [];
  for (const pair of pairs) {
    const doc = documents.get(pair.docId)!;
    const oracle = doc.chunks.find((c) => c.text.replace(/\s+/g, ' ').includes(pair.sentence)) ?? doc.chunks[0];
    if (!oracle) continue;
    const { hits } = await retrieve(store, embedder, pair.prompt, { k: options.k + 1, mode: 'hybrid', signal: options.signal });
    const distractors = hits.filter((h) => h.text !== oracle.text).slice(0, Math.max(1, options.k - 1));
    const withOracle = random() < (options.oracleShare ?? 0.8);
    const context: Pick<Hit, 'title' | 'text' | 'headingPath'>[] = [...distractors];
    let answer = pair.completion;
    if (withOracle) {
      const at = Math.floor(random() * (context.length + 1));
      context.splice(at, 0, oracle);
      answer = `${pair.completion.replace(/[.!?]$/, '')} [${at + 1}].`;
    }
    examples.push({ messages: [...buildRagMessages(pair.prompt, context), { role: 'assistant', content: answer }], prompt: buildRagMessages(pair.prompt, context)[1]!.content, completion: answer, docId: pair.docId });
  }
  return examples;
}

/** A deterministic sample of at most `max` items, in their original order. */
function sample<T>(items: T[], max: number | undefined, seed: number): T[] {
  if (!max || items.length <= max) return items;
  const random = seededRandom(seed);
  const keyed = items.map((item, index) => ({ item, index, key: random() }));
  return keyed.sort((a, b) => a.key - b.key).slice(0, max).sort((a, b) => a.index - b.index).map((k) => k.item);
}

export function toJsonl(examples: GeneratedExample[]): string {
  return examples.map((e) => JSON.stringify({ messages: e.messages })).join('\n') + '\n';
}
