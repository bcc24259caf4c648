import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.ts';

/**
 * A deterministic development / held-out split by question id: each id's hash (with the seed) decides its
 * side, so the split does not depend on file order and a rerun gets the same one. `devFraction` of the
 * questions (rounded, at least one) go to development; the rest are held out. Each side keeps file order.
 */
export function splitQuestions<T extends { id: string }>(
  questions: T[],
  devFraction: number,
  seed = 'attune-tune-retrieval',
): { dev: T[]; heldOut: T[] } {
  if (!(devFraction > 0 && devFraction <= 1))
    throw new UsageError(`the development fraction must be in (0, 1], got ${devFraction}`);
  const rank = (id: string) => createHash('sha256').update(`${seed}\0${id}`).digest('hex');
  const ordered = questions.map((q, index) => ({ index, key: rank(q.id) })).sort((a, b) => a.key.localeCompare(b.key));
  const size = Math.max(1, Math.round(questions.length * devFraction));
  const dev = new Set(ordered.slice(0, size).map((entry) => entry.index));
  return {
    dev: questions.filter((_, i) => dev.has(i)),
    heldOut: questions.filter((_, i) => !dev.has(i)),
  };
}

/** Throws when a development question is also a held-out one (same id or same text): the search must never see them. */
export function assertDisjoint(
  dev: { id: string; question: string }[],
  heldOut: { id: string; question: string }[],
): void {
  const ids = new Set(heldOut.map((q) => q.id));
  const texts = new Set(heldOut.map((q) => q.question.trim().toLowerCase()));
  const shared = dev.find((q) => ids.has(q.id) || texts.has(q.question.trim().toLowerCase()));
  if (shared)
    throw new UsageError(
      `development question "${shared.id}" is also held out: tuning must not see the questions it is judged on`,
    );
}
