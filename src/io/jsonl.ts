import { appendFile, type FileHandle, open } from 'node:fs/promises';

/** One non-blank line of a JSON Lines text: its 1-based line number and its value, or why it is not JSON. */
export type JsonLine =
  | { line: number; value: unknown; error?: undefined }
  | { line: number; value?: undefined; error: string };

/**
 * The non-blank lines of a JSON Lines text, each parsed. A line that is not JSON carries `error` ("not valid
 * JSON: …") instead of failing the rest, so each caller decides: name the line and keep the batch, refuse the
 * file, or skip a line an interruption cut short.
 */
export function parseJsonLines(text: string): JsonLine[] {
  const lines: JsonLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const source = raw.trim();
    if (source === '') return;
    try {
      lines.push({ line: index + 1, value: JSON.parse(source) as unknown });
    } catch (error) {
      lines.push({ line: index + 1, error: `not valid JSON: ${(error as Error).message}` });
    }
  });
  return lines;
}

/** The lines that parse, as T (a line cut short by an interruption is skipped: a cache or a run resumes without it). */
export function readJsonLines<T>(text: string): T[] {
  return parseJsonLines(text).flatMap((entry) => (entry.error === undefined ? [entry.value as T] : []));
}

/**
 * Appends `value` as one JSON line. A process killed during an earlier append can leave the file ending in a
 * partial line; appending after it would glue the new line onto the cut one, and the reader would drop both.
 * So a last line without its newline is finished first: kept (its newline added) when it parses, the same rule
 * `readJsonLines` reads by, and cut off when it does not. The check reads one byte unless the file needs it.
 */
export async function appendJsonLine(file: string, value: unknown): Promise<void> {
  await finishLastLine(file);
  await appendFile(file, `${JSON.stringify(value)}\n`);
}

async function finishLastLine(file: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === NEWLINE) return;
    const text = Buffer.alloc(size);
    await handle.read(text, 0, size, 0);
    const lineStart = text.lastIndexOf(NEWLINE) + 1;
    const [tail] = parseJsonLines(text.subarray(lineStart).toString('utf8'));
    if (tail !== undefined && tail.error === undefined) await handle.write('\n', size);
    else await handle.truncate(lineStart);
  } finally {
    await handle.close();
  }
}

const NEWLINE = 0x0a;
