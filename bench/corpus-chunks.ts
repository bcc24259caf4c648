/** A benchmark corpus chunked as `attune ingest` chunks it: the distinct chunk texts, in the order ingest meets them. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunk } from '../src/chunk/chunk.ts';
import type { Config } from '../src/config/config.ts';
import type { Embedder } from '../src/embed/embedder.ts';
import { parseDocument } from '../src/ingest/parsers/index.ts';
import { prepareDataset, type DatasetName } from './peers/datasets.ts';

export async function corpusChunks(
  name: DatasetName,
  config: Config,
  embedder: Embedder,
): Promise<{ documents: number; texts: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'attune-corpus-chunks-'));
  try {
    const prepared = await prepareDataset(name, dir);
    const corpus = join(dir, 'corpus');
    const texts: string[] = [];
    for (const file of readdirSync(corpus, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      const parsed = await parseDocument(readFileSync(path), path);
      const chunks = chunk(parsed, { ...config.chunking, countTokens: (text) => embedder.countTokens(text) });
      texts.push(...chunks.map((c) => c.text));
    }
    return { documents: prepared.documents, texts: [...new Set(texts)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
