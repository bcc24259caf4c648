import type { Chunk, ParsedDocument } from '../types.ts';

export interface ChunkOptions {
  /** Most tokens per chunk, in the embedding model's tokenizer. */
  maxTokens: number;
  /** Tokens repeated from the end of the previous chunk within the same section. */
  overlapTokens: number;
  countTokens: (text: string) => number;
}

const sentences = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Splits text that exceeds the budget: at sentence boundaries, then at words as a last resort. */
function pieces(text: string, budget: number, options: ChunkOptions): string[] {
  if (options.countTokens(text) <= budget) return [text];
  const parts = [...sentences.segment(text)].map((s) => s.segment.trim()).filter(Boolean);
  if (parts.length > 1) return parts.flatMap((part) => pieces(part, budget, options));
  const words = text.split(/\s+/);
  const out: string[] = [];
  let current: string[] = [];
  for (const word of words) {
    if (current.length && options.countTokens([...current, word].join(' ')) > budget) {
      out.push(current.join(' '));
      current = [];
    }
    current.push(word);
  }
  if (current.length) out.push(current.join(' '));
  return out;
}

/** The tail of `text` that fits in `budget` tokens, cut at a word boundary. */
function tail(text: string, budget: number, countTokens: (t: string) => number): string {
  if (budget <= 0) return '';
  const words = text.split(/\s+/);
  let start = words.length;
  while (start > 0 && countTokens(words.slice(start - 1).join(' ')) <= budget) start--;
  return words.slice(start).join(' ');
}

/**
 * Structure-aware chunking: a chunk never crosses a heading (it carries its heading path),
 * packs whole paragraphs up to the token budget, splits long paragraphs at sentences, and
 * overlaps consecutive chunks of a section by up to `overlapTokens`.
 */
export function chunk(doc: ParsedDocument, options: ChunkOptions): Chunk[] {
  // the budget leaves room for the overlap, so the overlap never pushes a chunk past maxTokens
  const budget = Math.max(8, options.maxTokens - options.overlapTokens);
  const chunks: Chunk[] = [];
  const path: { level: number; text: string }[] = [];
  let parts: string[] = [];
  let page: number | undefined;
  let previous = '';
  const emit = () => {
    if (parts.length === 0) return;
    const body = parts.join('\n\n');
    const overlap = previous ? tail(previous, options.overlapTokens, options.countTokens) : '';
    const withOverlap =
      overlap && options.countTokens(`${overlap} ${body}`) <= options.maxTokens ? `${overlap} ${body}` : body;
    chunks.push({
      text: withOverlap,
      headingPath: path.map((h) => h.text),
      page,
      position: chunks.length,
      tokens: options.countTokens(withOverlap),
    });
    previous = body;
    parts = [];
    page = undefined;
  };
  for (const block of doc.blocks) {
    if (block.kind === 'heading') {
      emit();
      previous = '';
      while (path.length && path.at(-1)!.level >= block.level) path.pop();
      path.push({ level: block.level, text: block.text });
      continue;
    }
    for (const piece of pieces(block.text, budget, options)) {
      const candidate = [...parts, piece].join('\n\n');
      if (
        parts.length &&
        (options.countTokens(candidate) > budget ||
          (block.page !== undefined && page !== undefined && block.page !== page))
      )
        emit();
      parts.push(piece);
      page ??= block.page;
    }
  }
  emit();
  return chunks;
}

/**
 * The chunk's context as one line: the document's title (as its parser found it, never the file name) and the
 * headings above the chunk, outermost first, each once ("Lighthouse > Keepers"); empty when there are none.
 */
export function contextHeader(title: string | undefined, headingPath: string[]): string {
  return [...new Set([title, ...headingPath].map((part) => part?.trim()).filter((part) => !!part))].join(' > ');
}

/**
 * The text embedded and keyword-indexed (ChunkRecord.keywordText) for a chunk with contextual chunk headers: its
 * context header, a blank line, then its text. The chunker moves headings out of the text, so without this a
 * passage's later chunks never mention the title it is about. The stored, shown and cited text stays the chunk's own.
 */
export function headedText(chunk: Pick<Chunk, 'text' | 'headingPath'>, title: string | undefined): string {
  const header = contextHeader(title, chunk.headingPath);
  return header ? `${header}\n\n${chunk.text}` : chunk.text;
}
