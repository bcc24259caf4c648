import TurndownService from 'turndown';
import type { ParsedDocument } from '../../types.ts';
import { parseMarkdown } from './markdown.ts';

/** HTML → Markdown (turndown) → blocks, so headings survive; scripts, styles and navigation dropped. */
export function parseHtml(html: string): ParsedDocument {
  const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced' });
  turndown.remove(['script', 'style', 'nav', 'noscript', 'iframe', 'head'] as never);
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1]?.trim();
  const parsed = parseMarkdown(turndown.turndown(html));
  return { ...parsed, title: title || parsed.title };
}
