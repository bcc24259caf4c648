/**
 * Abstention on unanswerable questions: precision = of the times the strategy abstained, how often the question
 * was truly unanswerable; recall = of the unanswerable questions, how many it abstained on. Null when undefined
 * (no abstentions; no unanswerable questions).
 */
export interface AbstentionCase {
  abstained: boolean;
  answerable: boolean;
}

export interface AbstentionScores {
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Answered an unanswerable question: the hallucination rate on unanswerable questions. */
  answeredUnanswerable: number | null;
}

export function abstentionScores(cases: AbstentionCase[]): AbstentionScores {
  const abstained = cases.filter((c) => c.abstained);
  const unanswerable = cases.filter((c) => !c.answerable);
  const hits = abstained.filter((c) => !c.answerable).length;
  const precision = abstained.length ? hits / abstained.length : null;
  const recall = unanswerable.length ? hits / unanswerable.length : null;
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? (2 * precision * recall) / (precision + recall)
      : precision === null || recall === null
        ? null
        : 0;
  return { precision, recall, f1, answeredUnanswerable: recall === null ? null : 1 - recall };
}
