import { extname } from 'node:path';
import { DocumentError } from '../../errors.ts';
import type { ParsedDocument } from '../../types.ts';
import { parseDocx, parsePdf } from './binary-formats.ts';
import { parseHtml } from './html.ts';
import { parseMarkdown, parseText } from './markdown.ts';
import { parseCsv, parseJson, parseJsonl } from './records.ts';

type Parser =
  | { binary: true; parse: (bytes: Uint8Array, path: string) => Promise<ParsedDocument> }
  | { binary: false; parse: (text: string, path: string) => ParsedDocument };

/** Parsers by file extension: adding a format is one entry. */
export const parsers: Record<string, Parser> = {
  '.md': { binary: false, parse: parseMarkdown },
  '.markdown': { binary: false, parse: parseMarkdown },
  '.txt': { binary: false, parse: parseText },
  '.html': { binary: false, parse: parseHtml },
  '.htm': { binary: false, parse: parseHtml },
  '.json': { binary: false, parse: parseJson },
  '.jsonl': { binary: false, parse: parseJsonl },
  '.csv': { binary: false, parse: parseCsv },
  '.pdf': { binary: true, parse: parsePdf },
  '.docx': { binary: true, parse: parseDocx },
};

export function isSupported(path: string): boolean {
  return extname(path).toLowerCase() in parsers;
}

/** Parses a file's bytes by its extension; every failure is a DocumentError naming the file and the reason. */
export async function parseDocument(bytes: Uint8Array, path: string): Promise<ParsedDocument> {
  const extension = extname(path).toLowerCase();
  const parser = parsers[extension];
  if (!parser)
    throw new DocumentError(
      `${path}: unsupported file type "${extension || '(none)'}" (supported: ${Object.keys(parsers).join(' ')})`,
      { input: path },
    );
  if (bytes.length === 0) throw new DocumentError(`${path}: empty file`, { input: path });
  let parsed: ParsedDocument;
  if (parser.binary) {
    try {
      parsed = await parser.parse(bytes, path);
    } catch (error) {
      throw new DocumentError(
        `${path}: corrupt or unreadable ${extension.slice(1).toUpperCase()} file (${firstLine(error)})`,
        { input: path, cause: error },
      );
    }
  } else {
    if (bytes.subarray(0, 8192).includes(0))
      throw new DocumentError(`${path}: binary content in a ${extension} file (NUL bytes)`, { input: path });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      throw new DocumentError(`${path}: not valid UTF-8 text; convert it first (e.g. iconv -f latin1 -t utf-8)`, {
        input: path,
        cause: error,
      });
    }
    const long = longLine(text);
    if (long)
      throw new DocumentError(
        `${path}:${long.line}: a line of ${long.length} characters (over ${MAX_LINE_CHARS}): not text to index`,
        { input: path },
      );
    parsed = parser.parse(text.replace(/^\uFEFF/, ''), path);
  }
  if (!parsed.blocks.some((b) => b.text.trim())) throw new DocumentError(`${path}: no text found`, { input: path });
  return parsed;
}

/** Longer lines are refused: prose has none, and a 10 MB line would be chunked and embedded for minutes. */
const MAX_LINE_CHARS = 1_000_000;

function longLine(text: string): { line: number; length: number } | undefined {
  if (text.length <= MAX_LINE_CHARS) return undefined;
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (stop - start > MAX_LINE_CHARS) return { line, length: stop - start };
    if (end < 0) return undefined;
    start = end + 1;
  }
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
}
