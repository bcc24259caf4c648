import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsDir } from '../src/testing/datasets.ts';

/** The training paragraphs of fictional-knowledge, in file order: document texts for load and fault benches. */
export function fictionalContexts(): string[] {
  const file = join(datasetsDir, 'fictional-knowledge', 'fictional_knowledge.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { train_context: string }[]).map((d) => d.train_context);
}
