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
