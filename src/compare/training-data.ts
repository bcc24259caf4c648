import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildBaseMessages } from '../answer/prompt.ts';
import { chunk } from '../chunk/chunk.ts';
import { sampleInOrder } from '../evaluate/metrics/statistics.ts';
import { parseDocument } from '../ingest/parsers/index.ts';
import { walk } from '../ingest/walk.ts';
import type { ChatMessage, Hit } from '../types.ts';
import { clozePairs } from '../tune/cloze.ts';

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

/** Q/A training data for `ft`: the cloze pairs in the same prompt format the `ft` strategy answers with. */
export function buildQaExamples(documents: Iterable<CorpusDocument>, options: { maxExamples?: number; seed?: number } = {}): GeneratedExample[] {
  const pairs = sampleInOrder(clozePairs(documents), options.maxExamples, options.seed ?? 1);
  return pairs.map((p) => ({ messages: [...buildBaseMessages(p.prompt), { role: 'assistant', content: p.completion }], prompt: p.prompt, completion: p.completion, docId: p.docId }));
}

export function toJsonl(examples: GeneratedExample[]): string {
  return examples.map((e) => JSON.stringify({ messages: e.messages })).join('\n') + '\n';
}
