import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDocx, makePdf } from '../../testing/documents.ts';
import { makeDocxBomb, makeDocxZip } from '../../testing/zip.ts';
import { parseDocument } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'attune-parse-'));
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseDocument', () => {
  it('parses markdown headings, html, json, jsonl and csv', async () => {
    const md = await parseDocument(utf8('# Title\n\nBody one.\n\n## Part\n\nBody two.'), 'a.md');
    expect(md.title).toBe('Title');
    expect(md.blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'heading', 'paragraph']);
    const html = await parseDocument(
      utf8(
        '<html><head><title>Page</title><script>evil()</script></head><body><h2>Sub</h2><p>Hello <b>world</b></p></body></html>',
      ),
      'a.html',
    );
    expect(html.title).toBe('Page');
    expect(html.blocks).toContainEqual({ kind: 'heading', level: 2, text: 'Sub' });
    expect(JSON.stringify(html.blocks)).not.toContain('evil');
    const json = await parseDocument(utf8('[{"q":"a","nested":{"x":1}}]'), 'a.json');
    expect(json.blocks[0]!.text).toBe('q: a\nnested.x: 1');
    const csv = await parseDocument(utf8('question,answer\nWhy?,Because.\n'), 'a.csv');
    expect(csv.blocks[0]!.text).toBe('question: Why?\nanswer: Because.');
    await expect(parseDocument(utf8('{"a":1}\n{broken\n'), 'b.jsonl')).rejects.toThrow(/b\.jsonl:2: not valid JSON/);
  });

  it('parses a real PDF with page numbers and a real DOCX with headings', async () => {
    const pdf = await parseDocument(makePdf('The lighthouse stands on page one.'), 'a.pdf');
    expect(pdf.blocks[0]).toMatchObject({ text: 'The lighthouse stands on page one.', page: 1 });
    const path = join(dir, 'a.docx');
    makeDocx(path, 'Policy', 'Employees get thirty days.');
    const { readFileSync } = await import('node:fs');
    const docx = await parseDocument(readFileSync(path), path);
    expect(docx.blocks).toContainEqual({ kind: 'heading', level: 1, text: 'Policy' });
    expect(docx.blocks).toContainEqual({ kind: 'paragraph', text: 'Employees get thirty days.' });
  });

  it('rejects bad input with the file and the reason', async () => {
    await expect(parseDocument(utf8(''), 'e.md')).rejects.toThrow('e.md: empty file');
    await expect(parseDocument(new Uint8Array([0x61, 0, 0x62]), 'bin.txt')).rejects.toThrow(/bin\.txt: binary content/);
    await expect(parseDocument(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 'latin.txt')).rejects.toThrow(
      /latin\.txt: not valid UTF-8/,
    );
    await expect(parseDocument(utf8('%PDF-1.4 garbage'), 'bad.pdf')).rejects.toThrow(
      /bad\.pdf: corrupt or unreadable PDF/,
    );
    await expect(parseDocument(utf8('not a zip'), 'bad.docx')).rejects.toThrow(/bad\.docx: corrupt or unreadable DOCX/);
    await expect(parseDocument(utf8('x'), 'a.xyz')).rejects.toThrow(/unsupported file type ".xyz"/);
    await expect(parseDocument(utf8('\n\n  \n'), 'blank.txt')).rejects.toThrow(/blank\.txt: no text found/);
    writeFileSync(join(dir, 'unused'), '');
  });

  it('refuses hostile input with a reason instead of exhausting memory or the stack', async () => {
    const bomb = makeDocxBomb(300);
    expect(bomb.length).toBeLessThan(2 * 2 ** 20);
    await expect(parseDocument(bomb, 'bomb.docx')).rejects.toThrow(
      /bomb\.docx: corrupt or unreadable DOCX file \(zip would expand to over 100 MB/,
    );
    const small = makeDocxZip(
      utf8(
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Fine text</w:t></w:r></w:p></w:body></w:document>',
      ),
    );
    expect((await parseDocument(small, 'fine.docx')).blocks[0]!.text).toBe('Fine text');
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    await expect(parseDocument(utf8(deep), 'deep.json')).rejects.toThrow(/deep\.json: nested deeper than 100 levels/);
    await expect(parseDocument(utf8(`{"a":1}\n${deep}`), 'deep.jsonl')).rejects.toThrow(/deep\.jsonl: nested deeper/);
    await expect(parseDocument(utf8(`# Title\n\n${'x'.repeat(1_000_001)}`), 'line.md')).rejects.toThrow(
      /line\.md:3: a line of 1000001 characters/,
    );
  });
});
