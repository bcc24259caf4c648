import type { Question } from '../dataset/questions.ts';
import type { EvalRow } from '../evaluate/row.ts';

export interface TagAccuracy {
  tag: string;
  strategy: string;
  questions: number;
  /** Mean accuracy over the tag's questions; a failed answer scores 0. */
  mean: number | null;
  failed: number;
}

/**
 * Accuracy per question tag and strategy: fictional-knowledge's probe kinds (mem, gen, hard_gen) separate
 * memorising a document sentence from using its fact in other words — the honest knowledge-injection test.
 */
export function accuracyByTag(
  rows: EvalRow[],
  questions: Question[],
  metric: 'containment' | 'f1' | 'exactMatch',
): TagAccuracy[] {
  const tags = new Map<string, string[]>(questions.map((q) => [q.id, q.tags ?? []]));
  const cells = new Map<string, { tag: string; strategy: string; values: Map<string, number[]>; failed: number }>();
  for (const row of rows) {
    for (const tag of tags.get(row.questionId) ?? []) {
      const key = `${tag}\u0000${row.strategy}`;
      const cell = cells.get(key) ?? { tag, strategy: row.strategy, values: new Map(), failed: 0 };
      cells.set(key, cell);
      const value = row.error ? 0 : (row.scores?.[metric] ?? null);
      if (row.error) cell.failed++;
      if (value !== null) cell.values.set(row.questionId, [...(cell.values.get(row.questionId) ?? []), value]);
    }
  }
  return [...cells.values()]
    .map((cell) => {
      const perQuestion = [...cell.values.values()].map((list) => list.reduce((a, b) => a + b, 0) / list.length);
      return {
        tag: cell.tag,
        strategy: cell.strategy,
        questions: perQuestion.length,
        mean: perQuestion.length ? perQuestion.reduce((a, b) => a + b, 0) / perQuestion.length : null,
        failed: cell.failed,
      };
    })
    .sort((a, b) => a.tag.localeCompare(b.tag));
}

/** "accuracy by tag: gen — base 0.00, rag 0.50; mem — base 0.10, rag 0.80". */
export function describeByTag(cells: TagAccuracy[]): string {
  const byTag = new Map<string, TagAccuracy[]>();
  for (const cell of cells) byTag.set(cell.tag, [...(byTag.get(cell.tag) ?? []), cell]);
  return [...byTag]
    .map(
      ([tag, list]) =>
        `${tag} (${list[0]!.questions}) — ${list.map((c) => `${c.strategy} ${c.mean === null ? 'n/a' : c.mean.toFixed(2)}`).join(', ')}`,
    )
    .join('; ');
}
