import { z } from 'zod';
import { DatasetError } from '../../errors.ts';
import type { Question } from '../questions.ts';
import { DocumentSet, markdownDocument, type ImportResult } from './import-result.ts';

const Probe = z.array(z.string());
const FictionalRecord = z.object({
  train_context: z.string().min(1),
  mem_input: Probe,
  mem_target: Probe,
  gen_input: Probe,
  gen_target: Probe,
  hard_gen_input: Probe,
  hard_gen_target: Probe,
});

/**
 * Probes are phrased unlike compare's generated cloze training data ("Complete: … …"): a held-out item is never
 * in the training template, so ft cannot score by matching the template of a memorised example.
 */
export const PROBE_PREFIX = 'Finish the sentence: ';

const KINDS = [
  ['mem', 'mem_input', 'mem_target'],
  ['gen', 'gen_input', 'gen_target'],
  ['hard_gen', 'hard_gen_input', 'hard_gen_target'],
] as const;

/**
 * fictional-knowledge (kaistAI): each `train_context` becomes `doc-NNN.md`; each cloze probe becomes a question
 * "Finish the sentence: <prompt>" whose answer is the probe's target span. Tags say the probe kind (mem, gen, hard_gen).
 */
export function importFictionalKnowledge(files: { file: string; text: string }[]): ImportResult {
  const documents = new DocumentSet();
  const questions: Question[] = [];
  const errors: DatasetError[] = [];
  for (const { file, text } of files) {
    let records: unknown;
    try {
      records = JSON.parse(text);
    } catch (error) {
      errors.push(new DatasetError(`${file}: not valid JSON: ${(error as Error).message}`, { input: file }));
      continue;
    }
    if (!Array.isArray(records)) {
      errors.push(
        new DatasetError(`${file}: expected a JSON array of {train_context, mem_input, mem_target, …}`, {
          input: file,
        }),
      );
      continue;
    }
    records.forEach((raw, index) => {
      const where = `${file}:record ${index}`;
      const parsed = FictionalRecord.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        errors.push(new DatasetError(`${where} field "${issue.path.join('.')}": ${issue.message}`, { input: where }));
        return;
      }
      const record = parsed.data;
      const docId = documents.add(
        `doc-${String(index).padStart(3, '0')}.md`,
        markdownDocument(undefined, record.train_context),
      );
      for (const [kind, inputKey, targetKey] of KINDS) {
        record[inputKey].forEach((prompt, probe) => {
          const target = record[targetKey][probe];
          if (!target) return;
          questions.push({
            id: `fk-${index}-${kind}-${probe}`,
            question: `${PROBE_PREFIX}${prompt.trim()}`,
            answers: [target],
            goldDocIds: [docId],
            answerable: true,
            tags: [kind],
          });
        });
      }
    });
  }
  return { documents: documents.list(), questions, errors };
}
