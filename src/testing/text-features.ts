/** Tokenising and hashing shared by the kit's embedder, generator and store, so they agree on "a token". */

const WORD = /[\p{L}\p{N}]+/gu;
const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

/** Lower-cased words (letters and digits, any script). */
export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Words and single punctuation marks: a stand-in for a model tokenizer that grows with the text. */
export function countTextTokens(text: string): number {
  return text.match(TOKEN)?.length ?? 0;
}

/** The text split into tokens that keep their leading whitespace, so joining them gives the text back. */
export function streamPieces(text: string): string[] {
  return text.match(/\s*(?:[\p{L}\p{N}]+|[^\s\p{L}\p{N}])|\s+$/gu) ?? [];
}

/** FNV-1a, 32 bits: fast, deterministic across runs and platforms. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
