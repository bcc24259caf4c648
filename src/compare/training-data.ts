import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { buildBaseMessages } from '../answer/prompt.ts';
import { chunk } from '../chunk/chunk.ts';
import { sampleInOrder } from '../evaluate/metrics/statistics.ts';
import { parseDocument } from '../ingest/parsers/index.ts';
import { walk } from '../ingest/walk.ts';
import type { ChatMessage, Hit } from '../types.ts';
import type { Question } from '../dataset/questions.ts';
import { clozePairs } from '../tune/cloze.ts';
import { countLeaks, findLeaks, type Leak } from './leakage.ts';
import { fitChat, type FitReport, type FitTarget } from '../tune/fit.ts';

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
export async function readCorpus(
  paths: string[],
  chunking: { maxTokens: number; overlapTokens: number },
  countTokens: (text: string) => number,
): Promise<Map<string, CorpusDocument>> {
  const found = await walk(paths);
  const documents = new Map<string, CorpusDocument>();
  for (const file of found.files) {
    // a file that cannot be parsed is reported by ingest; it has no text to train on
    const parsed = await parseDocument(await readFile(file.source), file.source).catch(() => undefined);
    if (!parsed) continue;
    const title = parsed.title ?? basename(file.source);
    const text = parsed.blocks.map((b) => b.text).join('\n\n');
    const chunks = chunk(parsed, { ...chunking, countTokens }).map((c) => ({
      title,
      text: c.text,
      headingPath: c.headingPath,
    }));
    documents.set(file.docId, { docId: file.docId, title, text, chunks });
  }
  return documents;
}

/** Q/A training data for `ft`: the cloze pairs in the same prompt format the `ft` strategy answers with. */
export function buildQaExamples(
  documents: Iterable<CorpusDocument>,
  options: { maxExamples?: number; seed?: number } = {},
): GeneratedExample[] {
  const pairs = clozePairs(documents).map(
    (p): GeneratedExample => ({
      messages: [...buildBaseMessages(p.prompt), { role: 'assistant', content: p.completion }],
      prompt: p.prompt,
      completion: p.completion,
      docId: p.docId,
    }),
  );
  return sampleExamples(pairs, options.maxExamples, options.seed);
}

/** A deterministic sample in the original order (after leaks and over-long examples are dropped, so the cap counts kept ones). */
export function sampleExamples(
  examples: GeneratedExample[],
  maxExamples: number | undefined,
  seed = 1,
): GeneratedExample[] {
  return sampleInOrder(examples, maxExamples, seed);
}

/** Keeps the examples that fit the trainer's --max-seq-len (a cloze pair has nothing that may be cut). */
export function fitExamples(examples: GeneratedExample[], target: FitTarget, report: FitReport): GeneratedExample[] {
  return examples.filter((example) => fitChat(example.messages, target, report) !== null);
}

export interface LeakReport {
  examples: number;
  questions: number;
  byReason: Record<Leak['reason'], number>;
  /** Each dropped example: which training set, the held-out question it leaks, how, and the start of its prompt. */
  dropped: { set: string; questionId: string; reason: Leak['reason']; prompt: string }[];
}

export function emptyLeakReport(): LeakReport {
  return { examples: 0, questions: 0, byReason: { exact: 0, 'near-duplicate': 0, sentence: 0 }, dropped: [] };
}

/** Drops generated examples that leak held-out questions (test items, not knowledge), recording them in the report. */
export function dropLeaks(
  examples: GeneratedExample[],
  questions: Question[],
  set: string,
  report: LeakReport,
): GeneratedExample[] {
  const leaks = findLeaks(
    examples.map((e, i) => ({ line: i + 1, prompt: e.prompt, completion: e.completion })),
    questions,
  );
  if (leaks.length === 0) return examples;
  const counts = countLeaks(leaks);
  report.examples += counts.examples;
  const ids = new Set([...report.dropped.map((d) => d.questionId), ...leaks.map((l) => l.questionId)]);
  report.questions = ids.size;
  for (const reason of Object.keys(counts.byReason) as Leak['reason'][])
    report.byReason[reason] += counts.byReason[reason];
  for (const leak of leaks)
    report.dropped.push({
      set,
      questionId: leak.questionId,
      reason: leak.reason,
      prompt: examples[leak.line - 1]!.prompt.slice(-160),
    });
  const lines = new Set(leaks.map((l) => l.line));
  return examples.filter((_, i) => !lines.has(i + 1));
}

/** "dropped 344 generated example(s) leaking 100 held-out question(s) (leaks by kind: 13 near-duplicate, 331 sentence)"; an example can leak several questions. */
export function describeLeaks(report: LeakReport): string {
  if (report.examples === 0) return 'no generated example leaks a held-out question';
  const kinds = Object.entries(report.byReason)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  return `dropped ${report.examples} generated example(s) leaking ${report.questions} held-out question(s) (leaks by kind: ${kinds})`;
}

export function toJsonl(examples: GeneratedExample[]): string {
  return `${examples.map((e) => JSON.stringify({ messages: e.messages })).join('\n')}\n`;
}
