import { isAnswerable, type Question } from '../../dataset/questions.ts';
import { sampleInOrder } from '../../evaluate/metrics/statistics.ts';
import type { Store } from '../../store/store.ts';
import { clozeQueries } from '../../tune/cloze.ts';
import { isJudgeable, type TuningQuestion } from './relevance.ts';

/** The questions of a file that tuning can judge: answerable, with gold documents or a reference answer. */
export function judgeableQuestions(questions: Question[]): TuningQuestion[] {
  return questions
    .filter((q) => isAnswerable(q))
    .map((q) => ({ id: q.id, question: q.question, answers: q.answers, goldDocIds: q.goldDocIds }))
    .filter(isJudgeable);
}

/**
 * Questions generated from the collection itself when the user has none: for a sample of sentences, the first
 * 60% of the sentence is the query, its document the gold one and the rest the answer (the cloze pairs the
 * fine-tuning data uses, no LLM). They share words with their passage, so they favour keyword search more than
 * real questions do: prefer a question file when there is one.
 */
export async function generatedQuestions(
  store: Store,
  options: { max?: number; seed?: number } = {},
): Promise<TuningQuestion[]> {
  const texts = new Map<string, { position: number; text: string }[]>();
  for await (const page of store.exportChunks())
    for (const c of page) texts.set(c.docId, [...(texts.get(c.docId) ?? []), { position: c.position, text: c.text }]);
  const documents = [...texts].map(([docId, chunks]) => ({
    docId,
    text: chunks
      .sort((a, b) => a.position - b.position)
      .map((c) => c.text)
      .join('\n\n'),
  }));
  const pairs = clozeQueries(documents);
  return sampleInOrder(pairs, options.max ?? 200, options.seed ?? 1).map((p, i) => ({
    id: `generated-${i + 1}`,
    question: p.query,
    answers: [p.answer],
    goldDocIds: [p.docId],
  }));
}
