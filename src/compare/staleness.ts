import type { Question } from '../dataset/questions.ts';
import { containment } from '../evaluate/metrics/answer.ts';

/** A held-out question whose answer the update changed: the same question, the old and the new fact. */
export interface ChangedFact {
  questionId: string;
  question: string;
  docId: string;
  oldAnswers: string[];
  newAnswers: string[];
}

/**
 * The new value of `answer` after an edit of `oldText` into `newText`: a word-level diff (longest common
 * subsequence of words and punctuation marks) aligns the texts, and the replaced run of words that holds the answer gives the new value.
 * Null when the answer is still there or was deleted rather than replaced.
 */
export function replacedSpan(oldText: string, newText: string, answer: string): string | null {
  if (!oldText.toLowerCase().includes(answer.toLowerCase()) || newText.toLowerCase().includes(answer.toLowerCase()))
    return null;
  const oldWords = tokens(oldText);
  const newWords = tokens(newText);
  const target = tokens(answer);
  for (const hunk of diffHunks(oldWords, newWords)) {
    const removed = oldWords.slice(hunk.oldStart, hunk.oldEnd).join(' ');
    const added = newWords.slice(hunk.newStart, hunk.newEnd).join(' ');
    const at = removed.toLowerCase().indexOf(target.join(' ').toLowerCase());
    if (at < 0 || added === '') continue;
    const [prefix, suffix] = [removed.slice(0, at), removed.slice(at + target.join(' ').length)];
    const middle =
      added.startsWith(prefix) && added.endsWith(suffix) && added.length > prefix.length + suffix.length
        ? added.slice(prefix.length, added.length - suffix.length)
        : added.replace(/^[\p{P}]+|[\p{P}]+$/gu, '');
    if (middle.trim()) return middle.trim();
  }
  return null;
}

/** Words and single punctuation marks, so an edit next to a full stop stays its own run. */
function tokens(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** Runs of words that differ between two word lists, from an LCS alignment. */
function diffHunks(a: string[], b: string[]): { oldStart: number; oldEnd: number; newStart: number; newEnd: number }[] {
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const hunks: { oldStart: number; oldEnd: number; newStart: number; newEnd: number }[] = [];
  let [i, j] = [0, 0];
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const [oldStart, newStart] = [i, j];
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) i++;
      else j++;
    }
    hunks.push({ oldStart, oldEnd: i, newStart, newEnd: j });
  }
  return hunks;
}

/** Held-out questions about documents the update changed, whose answer is no longer in the new version. */
export function deriveChangedFacts(
  questions: Question[],
  oldDocs: Map<string, string>,
  newDocs: Map<string, string>,
): { facts: ChangedFact[]; unresolved: string[] } {
  const facts: ChangedFact[] = [];
  const unresolved: string[] = [];
  for (const question of questions) {
    const docId = (question.goldDocIds ?? []).find(
      (id) => newDocs.has(id) && oldDocs.has(id) && newDocs.get(id) !== oldDocs.get(id),
    );
    if (!docId || question.answers.length === 0) continue;
    const [oldText, newText] = [oldDocs.get(docId)!, newDocs.get(docId)!];
    const changed = question.answers.filter(
      (a) => oldText.toLowerCase().includes(a.toLowerCase()) && !newText.toLowerCase().includes(a.toLowerCase()),
    );
    if (changed.length === 0) continue;
    const newAnswers = [
      ...new Set(changed.map((a) => replacedSpan(oldText, newText, a)).filter((a): a is string => a !== null)),
    ];
    if (newAnswers.length === 0) unresolved.push(question.id);
    else facts.push({ questionId: question.id, question: question.question, docId, oldAnswers: changed, newAnswers });
  }
  return { facts, unresolved };
}

export interface FreshnessScore {
  n: number;
  /** Share of answers that contain the new fact. */
  accuracy: number | null;
  /** Share of answers that still give the old fact (and not the new one). */
  staleness: number | null;
  /** Per question: 1 when the answer has the new fact, for paired comparisons. */
  perQuestion: Map<string, number>;
}

/** Accuracy on the changed facts and the staleness rate, repeats averaged per question first. */
export function scoreFreshness(
  answers: { questionId: string; answer: string }[],
  facts: ChangedFact[],
): FreshnessScore {
  const byId = new Map(facts.map((f) => [f.questionId, f]));
  const fresh = new Map<string, number[]>();
  const stale = new Map<string, number[]>();
  for (const { questionId, answer } of answers) {
    const fact = byId.get(questionId);
    if (!fact) continue;
    const isNew = containment(answer, fact.newAnswers) === 1 ? 1 : 0;
    const isOld = !isNew && containment(answer, fact.oldAnswers) === 1 ? 1 : 0;
    fresh.set(questionId, [...(fresh.get(questionId) ?? []), isNew]);
    stale.set(questionId, [...(stale.get(questionId) ?? []), isOld]);
  }
  const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const perQuestion = new Map([...fresh].map(([id, v]) => [id, average(v)]));
  const n = perQuestion.size;
  return {
    n,
    accuracy: n ? average([...perQuestion.values()]) : null,
    staleness: n ? average([...stale.values()].map(average)) : null,
    perQuestion,
  };
}
