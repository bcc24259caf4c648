import { splitQuestions } from '../../retrieve/tuning/split.ts';
import type { EmbedderPair } from './pairs.ts';

export interface PairSplit {
  train: EmbedderPair[];
  heldOut: EmbedderPair[];
  trainDocuments: string[];
  heldOutDocuments: string[];
  /** Training pairs dropped because their question is also a held-out one (asked of another document). */
  droppedAsLeaks: number;
}

const SEED = 'attune-tune-embedder';
const key = (question: string) => question.trim().toLowerCase();

/**
 * Splits pairs by document, with a fixed seed: `trainFraction` of the documents (by the hash of their id, so
 * neither file order nor the other documents move a document's side) train, the rest are held out, and a
 * held-out document is never in training — not as a positive, and (see negatives.ts) not as a negative. A
 * training pair whose question is also asked of a held-out document is dropped too.
 */
export function splitPairsByDocument(pairs: EmbedderPair[], trainFraction: number): PairSplit {
  const documents = [...new Set(pairs.map((p) => p.docId))].map((id) => ({ id, question: id }));
  const { dev, heldOut } = splitQuestions(documents, trainFraction, SEED);
  const trainDocuments = new Set(dev.map((d) => d.id));
  const held = pairs.filter((p) => !trainDocuments.has(p.docId));
  const heldQuestions = new Set(held.map((p) => key(p.question)));
  const candidates = pairs.filter((p) => trainDocuments.has(p.docId));
  const train = candidates.filter((p) => !heldQuestions.has(key(p.question)));
  return {
    train,
    heldOut: held,
    trainDocuments: [...trainDocuments].sort(),
    heldOutDocuments: heldOut.map((d) => d.id).sort(),
    droppedAsLeaks: candidates.length - train.length,
  };
}

/** Held-out pairs as questions to rank documents for: one per question text, every gold document of it. */
export function heldOutQuestions(pairs: EmbedderPair[]): { question: string; goldDocIds: string[] }[] {
  const byQuestion = new Map<string, { question: string; goldDocIds: string[] }>();
  for (const p of pairs) {
    const entry = byQuestion.get(key(p.question)) ?? { question: p.question, goldDocIds: [] };
    if (!entry.goldDocIds.includes(p.docId)) entry.goldDocIds.push(p.docId);
    byQuestion.set(key(p.question), entry);
  }
  return [...byQuestion.values()];
}
