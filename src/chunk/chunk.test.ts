import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../ingest/parsers/markdown.ts';
import { chunk, contextHeader, headedText } from './chunk.ts';

const countTokens = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('chunk', () => {
  it('never crosses a heading and carries the heading path', () => {
    const doc = parseMarkdown(
      '# Guide\n\nIntro text here.\n\n## Setup\n\nInstall it.\n\n### Linux\n\nUse apt.\n\n## Usage\n\nRun it.',
    );
    const chunks = chunk(doc, { maxTokens: 50, overlapTokens: 0, countTokens });
    expect(chunks.map((c) => [c.headingPath.join('/'), c.text])).toEqual([
      ['Guide', 'Intro text here.'],
      ['Guide/Setup', 'Install it.'],
      ['Guide/Setup/Linux', 'Use apt.'],
      ['Guide/Usage', 'Run it.'],
    ]);
    expect(chunks.map((c) => c.position)).toEqual([0, 1, 2, 3]);
  });

  it('packs paragraphs within the budget, splits long ones at sentences, and overlaps', () => {
    const long = Array.from({ length: 12 }, (_, i) => `Sentence number ${i} has six words.`).join(' ');
    const chunks = chunk(
      { blocks: [{ kind: 'paragraph', text: long }] },
      { maxTokens: 20, overlapTokens: 4, countTokens },
    );
    for (const c of chunks) expect(c.tokens).toBeLessThanOrEqual(20);
    expect(chunks.length).toBeGreaterThan(3);
    // the second chunk starts with the last words of the first
    const lastWords = chunks[0]!.text.split(' ').slice(-4).join(' ');
    expect(chunks[1]!.text.startsWith(lastWords)).toBe(true);
    // no sentence is lost
    for (let i = 0; i < 12; i++) expect(chunks.some((c) => c.text.includes(`Sentence number ${i} `))).toBe(true);
  });

  it('splits a sentence longer than the budget by words', () => {
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    const chunks = chunk(
      { blocks: [{ kind: 'paragraph', text: words }] },
      { maxTokens: 10, overlapTokens: 0, countTokens },
    );
    expect(chunks.every((c) => c.tokens <= 10)).toBe(true);
    expect(chunks.map((c) => c.text).join(' ')).toBe(words);
  });

  it('keeps page numbers and starts a new chunk on a new page', () => {
    const chunks = chunk(
      {
        blocks: [
          { kind: 'paragraph', text: 'one', page: 1 },
          { kind: 'paragraph', text: 'two', page: 2 },
        ],
      },
      { maxTokens: 50, overlapTokens: 0, countTokens },
    );
    expect(chunks.map((c) => c.page)).toEqual([1, 2]);
  });

  it('puts the title and heading path above the text it embeds, each heading once, and nothing when there are none', () => {
    const doc = parseMarkdown('# Lighthouse\n\nBuilt in 1871.\n\n## Keepers\n\nSeven keepers.');
    const chunks = chunk(doc, { maxTokens: 50, overlapTokens: 0, countTokens });
    // the markdown title is the first heading: it is not repeated
    expect(chunks.map((c) => headedText(c, doc.title))).toEqual([
      'Lighthouse\n\nBuilt in 1871.',
      'Lighthouse > Keepers\n\nSeven keepers.',
    ]);
    // an HTML or PDF title above the headings, a blank one ignored
    expect(contextHeader('Annual report', ['Summary', ' '])).toBe('Annual report > Summary');
    expect(headedText({ text: 'Plain text.', headingPath: [] }, undefined)).toBe('Plain text.');
    // the chunk text itself keeps no heading
    expect(chunks[1]!.text).toBe('Seven keepers.');
  });
});
