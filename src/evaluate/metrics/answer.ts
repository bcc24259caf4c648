/**
 * Answer-quality metrics against reference answers (SQuAD-style normalisation). Each returns the best score
 * over the references, or null when there is no reference (an unanswerable question has nothing to match).
 */

/** Lowercase, drop citation markers like [1], punctuation and articles, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/\[\d+(?:\s*,\s*\d+)*\]/g, ' ')
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function answerTokens(text: string): string[] {
  const normalized = normalizeAnswer(text);
  return normalized === '' ? [] : normalized.split(' ');
}

function best(references: string[], score: (reference: string) => number): number | null {
  const usable = references.filter((reference) => normalizeAnswer(reference) !== '');
  if (usable.length === 0) return null;
  return Math.max(...usable.map(score));
}

export function exactMatch(prediction: string, references: string[]): number | null {
  const normalized = normalizeAnswer(prediction);
  return best(references, (reference) => (normalizeAnswer(reference) === normalized ? 1 : 0));
}

/** Harmonic mean of token precision and recall, tokens counted with multiplicity. */
export function tokenF1(prediction: string, references: string[]): number | null {
  const predicted = answerTokens(prediction);
  return best(references, (reference) => {
    const gold = answerTokens(reference);
    if (predicted.length === 0) return 0;
    const counts = new Map<string, number>();
    for (const token of gold) counts.set(token, (counts.get(token) ?? 0) + 1);
    let common = 0;
    for (const token of predicted) {
      const left = counts.get(token) ?? 0;
      if (left > 0) {
        common += 1;
        counts.set(token, left - 1);
      }
    }
    if (common === 0) return 0;
    const precision = common / predicted.length;
    const recall = common / gold.length;
    return (2 * precision * recall) / (precision + recall);
  });
}

/** 1 when a whole normalised reference appears, on word boundaries, inside the normalised prediction. */
export function containment(prediction: string, references: string[]): number | null {
  const padded = ` ${normalizeAnswer(prediction)} `;
  return best(references, (reference) => (padded.includes(` ${normalizeAnswer(reference)} `) ? 1 : 0));
}
