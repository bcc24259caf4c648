import type { Question } from '../dataset/questions.ts';
import { DatasetError } from '../errors.ts';
import { normalizeAnswer } from '../evaluate/metrics/answer.ts';

/** One training example as prompt → completion, with its line in the training file. */
export interface TrainingPair {
  line: number;
  prompt: string;
  completion: string;
}

export interface Leak {
  line: number;
  questionId: string;
  /**
   * exact: the held-out question itself; near-duplicate: a reworded copy of it; sentence: most of its content
   * words, in order, together with its answer (another cut point or template of the same sentence, or a
   * paraphrase close to it). Training on the documents is knowledge, not a leak: a RAG prompt's documents are
   * not checked, only its question and the completion.
   */
  reason: 'exact' | 'near-duplicate' | 'sentence';
}

/** Training data that contains held-out questions: the comparison would measure memorised test items. */
export class LeakageError extends DatasetError {
  override name = 'LeakageError';
}

const SHINGLE = 3;
/** Share of a question's content words that must appear in order (with its answer) for a sentence leak. */
export const SENTENCE_SHARE = 0.7;
/** Fewer content words than this say too little to call a sentence the question's own. */
const MIN_CONTENT_WORDS = 4;
// template and function words: they say nothing about which fact a sentence states
const STOPWORDS = new Set(
  (
    'complete finish sentence continue text fill blank answer briefly question what who whom whose which when where why how ' +
    'is are was were be been being am do does did has have had having of in on at to for from by with as into onto over under about after before ' +
    'and or but nor so yet if then than that this these those it its he she they them their his her we our you your i me my not no ' +
    'also there here can could would should will shall may might must very more most such only same other'
  ).split(' '),
);

function words(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized === '' ? [] : normalized.split(' ');
}

function shingles(tokens: string[]): Set<string> {
  const set = new Set<string>();
  if (tokens.length < SHINGLE) {
    if (tokens.length) set.add(tokens.join(' '));
    return set;
  }
  for (let i = 0; i + SHINGLE <= tokens.length; i++) set.add(tokens.slice(i, i + SHINGLE).join(' '));
  return set;
}

/** The question inside a retrieval-style prompt (documents, then the question): the documents are the corpus, not a leak. */
export function questionPart(prompt: string): string {
  const match = /answer briefly:\s*([\s\S]*)$/i.exec(prompt);
  return match ? match[1]! : prompt;
}

/** Length of the longest common subsequence of two word lists (how many of `a`'s words appear in `b` in order). */
export function inOrder(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const word of a) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 0; j < b.length; j++)
      row[j + 1] = word === b[j] ? previous[j]! + 1 : Math.max(previous[j + 1]!, row[j]!);
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Finds training examples that leak held-out questions: the same question text (normalised), a near-duplicate
 * (Jaccard ≥ threshold over word 3-grams, or 90% of the question's 3-grams inside the prompt), or a sentence
 * leak: the example's question and completion hold ≥ 70% of the held-out question's content words in order and
 * one of its answers. Inverted indexes over 3-grams and content words keep it near-linear.
 */
export function findLeaks(pairs: TrainingPair[], questions: Question[], options: { threshold?: number } = {}): Leak[] {
  const threshold = options.threshold ?? 0.8;
  const prepared = questions.map((q) => {
    const tokens = words(q.question);
    // the sentence with the blank: a probe that starts with earlier sentences leaks through its last one
    const last = words(
      q.question
        .split(/(?<=[.!?])\s+(?=\S)/)
        .filter((s) => words(s).length)
        .at(-1) ?? '',
    ).filter((w) => !STOPWORDS.has(w));
    const content = last.length >= MIN_CONTENT_WORDS ? last : tokens.filter((w) => !STOPWORDS.has(w));
    return {
      q,
      text: tokens.join(' '),
      grams: shingles(tokens),
      content,
      distinct: new Set(content).size,
      answers: q.answers.map((a) => words(a).join(' ')).filter(Boolean),
    };
  });
  const byGram = new Map<string, number[]>();
  const byWord = new Map<string, number[]>();
  prepared.forEach((p, index) => {
    for (const gram of p.grams) byGram.set(gram, [...(byGram.get(gram) ?? []), index]);
    for (const word of new Set(p.content)) byWord.set(word, [...(byWord.get(word) ?? []), index]);
  });
  const leaks: Leak[] = [];
  for (const pair of pairs) {
    const tokens = words(questionPart(pair.prompt));
    const text = tokens.join(' ');
    const grams = shingles(tokens);
    const shared = new Map<number, number>();
    for (const gram of grams)
      for (const index of byGram.get(gram) ?? []) shared.set(index, (shared.get(index) ?? 0) + 1);
    const whole = [...tokens, ...words(pair.completion)];
    const padded = ` ${whole.join(' ')} `;
    const wordHits = new Map<number, number>();
    for (const word of new Set(whole))
      for (const index of byWord.get(word) ?? []) wordHits.set(index, (wordHits.get(index) ?? 0) + 1);
    const found = new Map<number, Leak['reason']>();
    for (const [index, common] of shared) {
      const p = prepared[index]!;
      if (text === p.text) found.set(index, 'exact');
      else if (
        common / (grams.size + p.grams.size - common) >= threshold ||
        (p.grams.size >= 3 && common / p.grams.size >= 0.9)
      )
        found.set(index, 'near-duplicate');
    }
    for (const [index, hits] of wordHits) {
      const p = prepared[index]!;
      if (found.has(index) || p.content.length < MIN_CONTENT_WORDS || hits < p.distinct * SENTENCE_SHARE) continue;
      if (!p.answers.some((a) => padded.includes(` ${a} `))) continue;
      if (inOrder(p.content, whole) >= p.content.length * SENTENCE_SHARE) found.set(index, 'sentence');
    }
    for (const [index, reason] of found) leaks.push({ line: pair.line, questionId: prepared[index]!.q.id, reason });
  }
  return leaks;
}

/** Leaks counted by kind, and the distinct examples and questions involved. */
export function countLeaks(leaks: Leak[]): {
  examples: number;
  questions: number;
  byReason: Record<Leak['reason'], number>;
} {
  const byReason: Record<Leak['reason'], number> = { exact: 0, 'near-duplicate': 0, sentence: 0 };
  for (const leak of leaks) byReason[leak.reason]++;
  return {
    examples: new Set(leaks.map((l) => l.line)).size,
    questions: new Set(leaks.map((l) => l.questionId)).size,
    byReason,
  };
}

const REASONS: Record<Leak['reason'], string> = {
  exact: 'is the held-out question',
  'near-duplicate': 'is a near-duplicate of the held-out question',
  sentence: "holds the held-out question's sentence with its answer",
};

/** Refuses training data that leaks the held-out questions, naming the overlapping lines. */
export function assertNoLeakage(
  file: string,
  pairs: TrainingPair[],
  questions: Question[],
  questionsFile: string,
): void {
  const leaks = findLeaks(pairs, questions);
  if (leaks.length === 0) return;
  const shown = leaks
    .slice(0, 5)
    .map((leak) => `${file}:${leak.line} ${REASONS[leak.reason]} ${leak.questionId}`)
    .join('; ');
  throw new LeakageError(
    `training data leaks ${new Set(leaks.map((l) => l.questionId)).size} held-out question(s) of ${questionsFile} in ${new Set(leaks.map((l) => l.line)).size} line(s): ${shown}${leaks.length > 5 ? `; … ${leaks.length - 5} more` : ''}. Remove those lines or hold out other questions`,
    { input: `${file}:${leaks[0]!.line}` },
  );
}
