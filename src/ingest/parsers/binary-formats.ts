import mammoth from 'mammoth';
import { extractText, getDocumentProxy } from 'unpdf';
import type { Block, ParsedDocument } from '../../types.ts';
import { parseHtml } from './html.ts';
import { checkZip } from './zip-guard.ts';

/** PDF → one paragraph block per blank-line-separated passage, with its page number. */
export async function parsePdf(bytes: Uint8Array): Promise<ParsedDocument> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text } = await extractText(pdf, { mergePages: false });
  const blocks: Block[] = [];
  text.forEach((pageText, index) => {
    for (const passage of pageText.split(/\n\s*\n/)) {
      const cleaned = passage.replace(/\s+/g, ' ').trim();
      if (cleaned) blocks.push({ kind: 'paragraph', text: cleaned, page: index + 1 });
    }
  });
  const info = (await pdf.getMetadata().catch(() => null))?.info as { Title?: string } | undefined;
  return { title: info?.Title || undefined, blocks };
}

/** DOCX → HTML (mammoth keeps headings) → blocks. */
export async function parseDocx(bytes: Uint8Array): Promise<ParsedDocument> {
  checkZip(bytes); // before anything is inflated
  const { value } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
  return parseHtml(value);
}
