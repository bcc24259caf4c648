import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DatasetError, UsageError } from '../errors.ts';
import { importBeir } from './importers/beir.ts';
import { importClapnq } from './importers/clapnq.ts';
import { importCsv } from './importers/csv.ts';
import { importFictionalKnowledge } from './importers/fictional-knowledge.ts';
import type { ImportResult } from './importers/import-result.ts';
import { importSquad } from './importers/squad.ts';
import { formatQuestions } from './questions.ts';

type Importer = (files: { file: string; text: string }[]) => ImportResult;

export const IMPORTERS: Record<string, Importer> = {
  squad: importSquad,
  clapnq: importClapnq,
  'fictional-knowledge': importFictionalKnowledge,
  beir: importBeir,
  csv: importCsv,
};

export async function importDataset(from: string, files: string[]): Promise<ImportResult> {
  const importer = IMPORTERS[from];
  if (!importer) throw new UsageError(`unknown --from "${from}" (known: ${Object.keys(IMPORTERS).join(', ')})`);
  if (files.length === 0) throw new UsageError('give at least one FILE to import');
  const inputs = await Promise.all(
    files.map(async (file) => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (error) {
        throw new DatasetError(`cannot read ${file}: ${(error as Error).message}`, { input: file, cause: error });
      }
    }),
  );
  return importer(inputs);
}

/**
 * Writes `DIR/corpus/…` (ingest it with `attune ingest DIR/corpus`) and `DIR/questions.jsonl`.
 * Everything is written beside DIR first and renamed into place, so DIR is never half-written.
 */
export async function writeImport(
  out: string,
  result: ImportResult,
): Promise<{ corpusDir: string; questionsFile: string }> {
  const target = resolve(out);
  const temp = `${target}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(join(temp, 'corpus'), { recursive: true });
  try {
    for (const document of result.documents) {
      const path = join(temp, 'corpus', document.path);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, document.text);
    }
    await writeFile(join(temp, 'questions.jsonl'), formatQuestions(result.questions));
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return { corpusDir: join(target, 'corpus'), questionsFile: join(target, 'questions.jsonl') };
}
