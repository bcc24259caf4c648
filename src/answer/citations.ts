import type { Citation, Hit } from '../types.ts';

const WORD = /[\p{L}\p{N}]+/gu;
const STOP = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were with which who what when where how'.split(
    ' ',
  ),
);

export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).filter((word) => !STOP.has(word));
}

/**
 * Maps [n] markers in the answer to the hits they name. Without markers (small models often
 * omit them), attributes the answer to the hit that shares the most content words with it.
 */
export function extractCitations(answer: string, hits: Hit[]): Citation[] {
  const cited = new Set<number>();
  for (const match of answer.matchAll(/\[(\d{1,2})\]/g)) {
    const n = Number(match[1]);
    if (n >= 1 && n <= hits.length) cited.add(n);
  }
  if (cited.size > 0) return [...cited].sort((a, b) => a - b).map((n) => toCitation(n, hits[n - 1]!));
  const words = new Set(contentWords(answer));
  if (words.size === 0) return [];
  let best = -1;
  let bestOverlap = 0;
  hits.forEach((hit, i) => {
    const overlap = new Set(contentWords(hit.text).filter((word) => words.has(word))).size;
    if (overlap > bestOverlap) [best, bestOverlap] = [i, overlap];
  });
  return best < 0 ? [] : [{ ...toCitation(best + 1, hits[best]!), inferred: true }];
}

function toCitation(n: number, hit: Hit): Citation {
  return { n, chunkId: hit.chunkId, docId: hit.docId, source: hit.source };
}
