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
  reason: 'exact' | 'near-duplicate' | 'cloze';
}

/** Training data that contains held-out questions: the comparison would measure memorised test items. */
export class LeakageError extends DatasetError {
  override name = 'LeakageError';
}

const SHINGLE = 3;
/** Words of a cloze question's stem that must appear verbatim in a training prompt to count as its sentence. */
const STEM_WORDS = 8;

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

/**
 * Finds training examples that leak held-out questions: the same question text (normalised), a near-duplicate
 * (Jaccard ≥ threshold over word 3-grams, or 90% of the question's 3-grams inside the prompt), or the held-out cloze sentence used verbatim as a prompt whose
 * completion starts with the held-out answer. An inverted index over 3-grams keeps it linear in practice.
 */
export function findLeaks(pairs: TrainingPair[], questions: Question[], options: { threshold?: number } = {}): Leak[] {
  const threshold = options.threshold ?? 0.8;
  const prepared = questions.map((q) => {
    const tokens = words(q.question);
    return { q, text: tokens.join(' '), grams: shingles(tokens), stem: tokens.slice(-STEM_WORDS).join(' '), stemLength: Math.min(tokens.length, STEM_WORDS), answers: q.answers.map(normalizeAnswer).filter(Boolean) };
  });
  const byGram = new Map<string, number[]>();
  prepared.forEach((p, index) => { for (const gram of p.grams) byGram.set(gram, [...(byGram.get(gram) ?? []), index]); });
  const leaks: Leak[] = [];
  for (const pair of pairs) {
    const tokens = words(questionPart(pair.prompt));
    const text = tokens.join(' ');
    const grams = shingles(tokens);
    const shared = new Map<number, number>();
    for (const gram of grams) for (const index of byGram.get(gram) ?? []) shared.set(index, (shared.get(index) ?? 0) + 1);
    const completion = ` ${normalizeAnswer(pair.completion)} `;
    for (const [index, common] of shared) {
      const p = prepared[index]!;
      let reason: Leak['reason'] | undefined;
      if (text === p.text) reason = 'exact';
      else if (p.stemLength >= 4 && ` ${text} `.endsWith(` ${p.stem} `) && p.answers.some((a) => completion.trimStart().startsWith(`${a} `))) reason = 'cloze';
      else if (common / (grams.size + p.grams.size - common) >= threshold || (p.grams.size >= 3 && common / p.grams.size >= 0.9)) reason = 'near-duplicate';
      if (reason) leaks.push({ line: pair.line, questionId: p.q.id, reason });
    }
  }
  return leaks;
}

const REASONS: Record<Leak['reason'], string> = {
  exact: 'is the held-out question',
  'near-duplicate': 'is a near-duplicate of the held-out question',
  cloze: "is the held-out question's cloze sentence with its answer",
};

/** Refuses training data that leaks the held-out questions, naming the overlapping lines. */
export function assertNoLeakage(file: string, pairs: TrainingPair[], questions: Question[], questionsFile: string): void {
  const leaks = findLeaks(pairs, questions);
  if (leaks.length === 0) return;
  const shown = leaks.slice(0, 5).map((leak) => `${file}:${leak.line} ${REASONS[leak.reason]} ${leak.questionId}`).join('; ');
  throw new LeakageError(
    `training data leaks ${new Set(leaks.map((l) => l.questionId)).size} held-out question(s) of ${questionsFile} in ${new Set(leaks.map((l) => l.line)).size} line(s): ${shown}${leaks.length > 5 ? `; … ${leaks.length - 5} more` : ''}. Remove those lines or hold out other questions`,
    { input: `${file}:${leaks[0]!.line}` },
  );
}
