import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendJsonLine, parseJsonLines, readJsonLines } from './jsonl.ts';

describe('JSON Lines', () => {
  it('parses each non-blank line with its 1-based number, and names a bad line instead of failing the rest', () => {
    const lines = parseJsonLines('{"a":1}\n\n  \n{"a":\n[2]\r\n');
    expect(lines.map((l) => l.line)).toEqual([1, 4, 5]);
    expect(lines[0]!.value).toEqual({ a: 1 });
    expect(lines[1]!.error).toMatch(/^not valid JSON: /);
    expect(lines[2]!.value).toEqual([2]);
  });

  it('readJsonLines keeps what parses: a last line cut short by a kill is skipped', () => {
    expect(readJsonLines<{ id: number }>('{"id":1}\n{"id":2}\n{"id":3')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  describe('appendJsonLine', () => {
    const file = async (text?: string) => {
      const path = join(await mkdtemp(join(tmpdir(), 'attune-jsonl-')), 'rows.jsonl');
      if (text !== undefined) await writeFile(path, text);
      return path;
    };

    it('creates the file and appends one line per value', async () => {
      const path = await file();
      await appendJsonLine(path, { id: 1 });
      await appendJsonLine(path, { id: 2 });
      expect(await readFile(path, 'utf8')).toBe('{"id":1}\n{"id":2}\n');
    });

    it('after a kill cut the last line short, drops that line instead of gluing the next one onto it', async () => {
      const path = await file('{"id":1}\n{"id":2,"answer":"Par');
      await appendJsonLine(path, { id: 3 });
      const text = await readFile(path, 'utf8');
      expect(parseJsonLines(text).filter((l) => l.error)).toEqual([]);
      expect(readJsonLines(text)).toEqual([{ id: 1 }, { id: 3 }]);
    });

    it('keeps a last line that is whole but lost its newline (the reader already counted it)', async () => {
      const path = await file('{"id":1}\n{"id":2}');
      expect(readJsonLines(await readFile(path, 'utf8'))).toEqual([{ id: 1 }, { id: 2 }]);
      await appendJsonLine(path, { id: 3 });
      expect(await readFile(path, 'utf8')).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
    });

    it('drops a cut first line (the file held nothing whole)', async () => {
      const path = await file('{"id":');
      await appendJsonLine(path, { id: 1 });
      expect(await readFile(path, 'utf8')).toBe('{"id":1}\n');
    });
  });
});
