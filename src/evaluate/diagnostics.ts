import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildBaseMessages, buildRagMessages } from '../answer/prompt.ts';
import { isAnswerable, type Question } from '../dataset/questions.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Generator } from '../generate/generator.ts';
import { retrieve } from '../retrieve/retrieve.ts';
import type { Store } from '../store/store.ts';
import type { Config } from '../config/config.ts';
import type { Hit, SearchFilter } from '../types.ts';
import { answerTokens, containment, tokenF1 } from './metrics/answer.ts';
import { bootstrapMean, type Estimate } from './metrics/statistics.ts';
import { runDir } from './runs.ts';
import { writeAtomic } from '../io/atomic-write.ts';

/**
 * RAFT-style reading diagnostics (Zhang et al. 2024) for a strategy that reads documents: the same model and
 * adapter answer each question four ways — with no context, with the gold passage only, with the passages
 * retrieval found, and with those passages minus the gold document (distractors only) — so a report can tell a
 * retrieval failure (the gold passage alone is read right, the retrieved ones are not, and retrieval missed the
 * gold document) from a reading failure (even the gold passage alone is read wrong).
 */
export const READING_CONDITIONS = ['closed-book', 'gold', 'retrieved', 'distractors'] as const;
export type ReadingCondition = (typeof READING_CONDITIONS)[number];
export type Passage = Pick<Hit, 'docId' | 'title' | 'text' | 'headingPath'>;

/** One question, one strategy: the score under each condition (null where it does not apply) and the retrieval facts. */
export interface DiagnosticRow {
  strategy: string;
  questionId: string;
  goldRetrieved: boolean;
  scores: Record<ReadingCondition, number | null>;
  answers: Record<ReadingCondition, string | null>;
}

/** Why a question went wrong (or right) for a reading strategy, from its four scores. */
export type ReadingOutcome = 'right' | 'retrieval failure' | 'distracted' | 'reading failure' | 'unknown';

export function classifyReading(row: Pick<DiagnosticRow, 'goldRetrieved' | 'scores'>): ReadingOutcome {
  const { gold, retrieved } = row.scores;
  if (retrieved === null || gold === null) return 'unknown';
  if (retrieved >= 0.5) return 'right';
  if (gold < 0.5) return 'reading failure';
  return row.goldRetrieved ? 'distracted' : 'retrieval failure';
}

export interface DiagnosticSummary {
  /** The per-answer score; an answer is "right" at 0.5 or more. */
  metric: DiagnosticMetric;
  questions: number;
  /** Mean score per condition with a 95% CI over questions. */
  conditions: Record<ReadingCondition, Estimate>;
  /** Questions per outcome (see `classifyReading`). */
  outcomes: Record<ReadingOutcome, number>;
  /** Share of questions whose gold document was among the retrieved passages. */
  goldRecall: number | null;
}

export type DiagnosticMetric = 'containment' | 'f1';

/** Containment for short reference answers (a name, a number); token F1 when they are sentences or passages, which containment never matches. */
export function chooseDiagnosticMetric(questions: Question[]): DiagnosticMetric {
  const lengths = questions.flatMap((q) => q.answers.map((a) => answerTokens(a).length)).sort((a, b) => a - b);
  return lengths.length && lengths[Math.floor(lengths.length / 2)]! > 5 ? 'f1' : 'containment';
}

export function summarizeDiagnostics(
  rows: DiagnosticRow[],
  metric: DiagnosticMetric = 'containment',
): DiagnosticSummary {
  const conditions = Object.fromEntries(
    READING_CONDITIONS.map((c) => [
      c,
      bootstrapMean(rows.map((r) => r.scores[c]).filter((v): v is number => v !== null)),
    ]),
  ) as DiagnosticSummary['conditions'];
  const outcomes: Record<ReadingOutcome, number> = {
    right: 0,
    'retrieval failure': 0,
    distracted: 0,
    'reading failure': 0,
    unknown: 0,
  };
  for (const row of rows) outcomes[classifyReading(row)] += 1;
  return {
    metric,
    questions: rows.length,
    conditions,
    outcomes,
    goldRecall: rows.length ? rows.filter((r) => r.goldRetrieved).length / rows.length : null,
  };
}

/** Answers from the given passages with the strategy's own model and adapter (the rag prompt), or from none (the base prompt). */
export type Reader = (question: string, passages: Passage[], signal?: AbortSignal) => Promise<string>;

export function generatorReader(generator: Generator, options: { adapter?: string; maxTokens: number }): Reader {
  return async (question, passages, signal) => {
    const messages = passages.length ? buildRagMessages(question, passages) : buildBaseMessages(question);
    const result = await generator.generate({
      messages,
      maxTokens: options.maxTokens,
      temperature: 0,
      adapter: options.adapter,
      signal,
    });
    return result.text;
  };
}

/** The gold passage: the gold document's chunk that holds a reference answer, else its chunk closest to the question. */
export async function goldPassage(
  store: Store,
  embedder: Embedder,
  question: Question,
  filter?: SearchFilter,
): Promise<Passage | null> {
  const docIds = question.goldDocIds ?? [];
  if (docIds.length === 0) return null;
  const [vector] = await embedder.embed([question.question]);
  const chunks = await store.search({
    mode: 'hybrid',
    vector,
    text: question.question,
    k: 50,
    filter: { ...filter, docIds },
  });
  return chunks.find((chunk) => containment(chunk.text, question.answers) === 1) ?? chunks[0] ?? null;
}

export interface DiagnosticsOptions {
  questions: Question[];
  /** Reading strategies by name, each with its reader. */
  readers: { strategy: string; read: Reader }[];
  store: Store;
  embedder: Embedder;
  retrieval: Config['retrieval'];
  filter?: SearchFilter;
  /** Per-answer score in [0, 1]. */
  metric: DiagnosticMetric;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Runs the four conditions for every reading strategy on the answerable questions that name gold documents. */
export async function runReadingDiagnostics(options: DiagnosticsOptions): Promise<DiagnosticRow[]> {
  const score = (answer: string, question: Question) =>
    options.metric === 'f1' ? tokenF1(answer, question.answers) : containment(answer, question.answers);
  const questions = options.questions.filter((q) => isAnswerable(q) && (q.goldDocIds?.length ?? 0) > 0);
  const rows: DiagnosticRow[] = [];
  const total = questions.length * options.readers.length;
  for (const question of questions) {
    options.signal?.throwIfAborted();
    const gold = await goldPassage(options.store, options.embedder, question, options.filter);
    const { k, mode } = options.retrieval;
    const { hits } = await retrieve(options.store, options.embedder, question.question, {
      k,
      mode,
      fusion: options.retrieval.fusion,
      filter: options.filter,
      signal: options.signal,
    });
    const golds = new Set(question.goldDocIds);
    const distractors = hits.filter((hit) => !golds.has(hit.docId));
    const contexts: Record<ReadingCondition, Passage[] | null> = {
      'closed-book': [],
      gold: gold ? [gold] : null,
      retrieved: hits.length ? hits : null,
      distractors: distractors.length ? distractors : null,
    };
    for (const { strategy, read } of options.readers) {
      const answers = {} as DiagnosticRow['answers'];
      const scores = {} as DiagnosticRow['scores'];
      for (const condition of READING_CONDITIONS) {
        const passages = contexts[condition];
        answers[condition] = passages === null ? null : await read(question.question, passages, options.signal);
        scores[condition] = answers[condition] === null ? null : score(answers[condition]!, question);
      }
      rows.push({
        strategy,
        questionId: question.id,
        goldRetrieved: hits.some((hit) => golds.has(hit.docId)),
        scores,
        answers,
      });
      options.onProgress?.(rows.length, total);
    }
  }
  return rows;
}

/** Per strategy: the summary and its rows, as stored beside a run (`diagnostics.json`) and attached to its report. */
export type ReadingDiagnostics = Record<string, DiagnosticSummary & { rows: DiagnosticRow[] }>;

export function buildReadingDiagnostics(rows: DiagnosticRow[], metric: DiagnosticMetric): ReadingDiagnostics {
  const byStrategy = new Map<string, DiagnosticRow[]>();
  for (const row of rows) byStrategy.set(row.strategy, [...(byStrategy.get(row.strategy) ?? []), row]);
  return Object.fromEntries(
    [...byStrategy].map(([name, list]) => [name, { ...summarizeDiagnostics(list, metric), rows: list }]),
  );
}

/** The table rows: one line per reading strategy. */
export function diagnosticsTableRows(diagnostics: ReadingDiagnostics): { header: string[]; rows: string[][] } {
  const mean = (e: Estimate) => (e.mean === null ? '–' : `${e.mean.toFixed(2)} (n=${e.n})`);
  const header = [
    'strategy',
    'metric',
    'no context',
    'gold passage only',
    'retrieved',
    'distractors only',
    'gold retrieved',
    'right',
    'retrieval failure',
    'distracted',
    'reading failure',
  ];
  const rows = Object.entries(diagnostics).map(([name, d]) => [
    name,
    d.metric ?? 'containment',
    mean(d.conditions['closed-book']),
    mean(d.conditions.gold),
    mean(d.conditions.retrieved),
    mean(d.conditions.distractors),
    d.goldRecall === null ? '–' : `${(d.goldRecall * 100).toFixed(0)}%`,
    String(d.outcomes.right),
    String(d.outcomes['retrieval failure']),
    String(d.outcomes.distracted),
    String(d.outcomes['reading failure']),
  ]);
  return { header, rows };
}

export const DIAGNOSTICS_NOTE =
  'reading diagnostics (an answer is right when its score is ≥ 0.5): retrieval failure = the gold passage alone is answered right, the retrieved passages are not, and retrieval missed the gold document; distracted = the gold document was retrieved but the other passages led the answer astray; reading failure = even the gold passage alone is answered wrong';

/** Beside the run's rows, so `attune runs show` and the server's report include them. */
export async function saveDiagnostics(home: string, runId: string, diagnostics: ReadingDiagnostics): Promise<void> {
  const file = join(runDir(home, runId), 'diagnostics.json');
  await writeAtomic(file, `${JSON.stringify(diagnostics)}\n`);
}

export async function loadDiagnostics(home: string, runId: string): Promise<ReadingDiagnostics | undefined> {
  const text = await readFile(join(runDir(home, runId), 'diagnostics.json'), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as ReadingDiagnostics);
}
