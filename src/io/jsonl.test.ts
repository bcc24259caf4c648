import { describe, expect, it } from 'vitest';
import { parseJsonLines, readJsonLines } from './jsonl.ts';

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
});
