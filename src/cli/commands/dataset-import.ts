import type { Command } from 'commander';
import { IMPORTERS, importDataset, writeImport } from '../../dataset/import.ts';
import { output } from '../context.ts';
import { datasetGroup } from './dataset.ts';

export function registerDatasetImport(program: Command): void {
  datasetGroup(program)
    .command('import')
    .argument('<files...>', 'source files')
    .requiredOption('--from <format>', `one of ${Object.keys(IMPORTERS).join(', ')}`)
    .requiredOption('--out <dir>', 'folder to write corpus/ and questions.jsonl into (replaced)')
    .option('--json', 'print {corpusDir, questionsFile, documents, questions, skipped} as JSON')
    .description('turn a public QA dataset into a corpus folder to ingest and a questions JSONL to evaluate')
    .addHelpText(
      'after',
      `
Formats: squad (SQuAD v1/v2 JSON), clapnq (annotated JSONL), fictional-knowledge (JSON), beir (corpus.jsonl queries.jsonl qrels.tsv),
csv (header with question, answer; optional id, context; several answers separated by " | ").

Example:
  attune dataset import --from clapnq ../shared/datasets/clapnq/clapnq_dev_answerable.jsonl ../shared/datasets/clapnq/clapnq_dev_unanswerable.jsonl --out data/clapnq
  attune ingest data/clapnq/corpus --collection clapnq`,
    )
    .action(async (files: string[], flags: { from: string; out: string; json?: boolean }) => {
      const result = await importDataset(flags.from, files);
      for (const error of result.errors) process.stderr.write(`attune: skipped ${error.message}\n`);
      const written = await writeImport(flags.out, result);
      const summary = {
        ...written,
        documents: result.documents.length,
        questions: result.questions.length,
        skipped: result.errors.length,
      };
      output(
        flags.json,
        summary,
        () =>
          `${summary.documents} documents → ${written.corpusDir}\n${summary.questions} questions → ${written.questionsFile}${summary.skipped ? `\n${summary.skipped} records skipped (see above)` : ''}\nnext: attune ingest ${written.corpusDir} --collection NAME`,
      );
    });
}
