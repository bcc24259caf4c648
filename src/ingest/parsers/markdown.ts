import type { Block, ParsedDocument } from '../../types.ts';

/** Markdown → heading and paragraph blocks (ATX headings; fenced code kept as one paragraph). */
export function parseMarkdown(text: string): ParsedDocument {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    const joined = paragraph.join('\n').trim();
    if (joined) blocks.push({ kind: 'paragraph', text: joined });
    paragraph = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const fenceMatch = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      paragraph.push(line);
      if (fenceMatch && fenceMatch[1] === fence) {
        fence = null;
        flush();
      }
      continue;
    }
    if (fenceMatch) {
      flush();
      fence = fenceMatch[1]!;
      paragraph.push(line);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      if (heading[2]) blocks.push({ kind: 'heading', level: heading[1]!.length, text: heading[2] });
    } else if (line.trim() === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  const title = blocks.find((b) => b.kind === 'heading')?.text;
  return { title, blocks };
}

/** Plain text: paragraphs separated by blank lines. */
export function parseText(text: string): ParsedDocument {
  const blocks: Block[] = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => ({ kind: 'paragraph', text: p }));
  return { blocks };
}
