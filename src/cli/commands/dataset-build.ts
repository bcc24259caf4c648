import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { modelsDir } from '../../config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../../models/catalog.ts';
import { loadChatTokenizer } from '../../tune/chat-tokens.ts';
import { describeFit } from '../../tune/fit.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { UsageError } from '../../errors.ts';
import {
  BUILD_MODES,
  buildTrainingData,
  collectionChunks,
  writeTrainingData,
  type BuildMode,
} from '../../tune/build-data.ts';
import { cliContext, output, parseNumber, parsePositiveInt, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';
import { progressBar } from '../progress.ts';
import { datasetGroup } from './dataset.ts';

interface BuildFlags {
  collection: string;
  out: string;
  mode: string;
  questions: string;
  paraphrases?: string;
  perChunk?: string;
  distractors?: string;
  oracleShare?: string;
  maxExamples?: string;
  maxSeqLen: string;
  base?: string;
  seed?: string;
  json?: boolean;
}

export function registerDatasetBuild(program: Command): void {
  datasetGroup(program)
    .command('build')
    .description('generate fine-tuning data (chat JSONL for `attune tune`) from the chunks of a collection')
    .requiredOption('-c, --collection <name>', 'collection to read chunks from')
    .requiredOption('--out <file>', 'JSONL file to write (replaced atomically)')
    .option(
      '--mode <mode>',
      `${BUILD_MODES.join(', ')}: cloze questions from sentences (no LLM), questions written by the generator, or RAFT examples`,
      'cloze',
    )
    .option('--questions <source>', 'raft: where questions come from, cloze or qa-llm', 'cloze')
    .option(
      '--paraphrases <n>',
      'generator rewrites per chunk (kept only when they keep its names and numbers); questions are made from each',
      '0',
    )
    .option('--per-chunk <n>', 'qa-llm: questions asked per chunk (and per rewrite)', '3')
    .option('--distractors <k>', 'raft: distractor chunks retrieved per example', '3')
    .option('--oracle-share <p>', 'raft: share of examples whose context holds the oracle chunk', '0.8')
    .option('--max-examples <n>', 'keep a deterministic sample of at most n examples')
    .option(
      '--max-seq-len <n>',
      'fit every example to this many tokens of the base model, as `attune tune --max-seq-len` counts them (raft: distractors are dropped, then trimmed; the oracle never)',
      '512',
    )
    .option('--base <gguf>', 'base model whose tokenizer counts the tokens (default: the generator model)')
    .option('--seed <n>', 'seed for sampling and the oracle draw', '7')
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option(
      '--json',
      'print {out, examples, chunks, chunksWithoutQuestions, paraphrasesKept, paraphrasesDropped, fitting}',
    )
    .addHelpText(
      'after',
      `
Example:
  attune dataset build --collection handbook --out handbook-cloze.jsonl
  attune dataset build --collection handbook --out handbook-raft.jsonl --mode raft --distractors 3 --oracle-share 0.8
  attune tune --data handbook-cloze.jsonl --name handbook && attune ask "…" --strategy ft --adapter handbook

The examples use the same prompts as the strategies that answer with the adapter: cloze and qa-llm the
base prompt (for --strategy ft), raft the numbered-documents prompt (for --strategy raft / ft-rag).`,
    )
    .action(async (flags: BuildFlags, command: Command) => {
      if (!(BUILD_MODES as readonly string[]).includes(flags.mode))
        throw new UsageError(`--mode must be one of ${BUILD_MODES.join(', ')}, got "${flags.mode}"`);
      if (!['cloze', 'qa-llm'].includes(flags.questions))
        throw new UsageError(`--questions must be cloze or qa-llm, got "${flags.questions}"`);
      const mode = flags.mode as BuildMode;
      const paraphrases = flags.paraphrases === '0' ? 0 : parsePositiveInt(flags.paraphrases ?? '0', '--paraphrases');
      const oracleShare = parseNumber(flags.oracleShare ?? '0.8', '--oracle-share');
      if (oracleShare < 0 || oracleShare > 1)
        throw new UsageError(`--oracle-share must be between 0 and 1, got ${oracleShare}`);
      const maxSeqLen = parsePositiveInt(flags.maxSeqLen, '--max-seq-len');
      const context = cliContext(command);
      const base =
        flags.base ??
        (context.config.generator.provider === 'llama' ? context.config.generator.model : undefined) ??
        join(modelsDir(context.env), DEFAULT_GENERATOR_FILE);
      const tokenizer = await loadChatTokenizer(resolve(base));
      const runtime = createRuntime(context);
      const needsGenerator = mode === 'qa-llm' || (mode === 'raft' && flags.questions === 'qa-llm') || paraphrases > 0;
      const bar = progressBar('building');
      try {
        const { store, embedder } = await runtime.collection(flags.collection);
        const generator = needsGenerator ? await runtime.generator() : undefined;
        const chunks = await collectionChunks(store, embedder.dimension);
        if (chunks.length === 0)
          throw new UsageError(`collection "${flags.collection}" has no chunks: ingest documents first`);
        const result = await buildTrainingData(store, chunks, {
          mode,
          questions: flags.questions as 'cloze' | 'qa-llm',
          generator,
          embedder,
          paraphrases,
          oracleShare,
          questionsPerChunk: parsePositiveInt(flags.perChunk ?? '3', '--per-chunk'),
          distractors: parsePositiveInt(flags.distractors ?? '3', '--distractors'),
          maxExamples: flags.maxExamples ? parsePositiveInt(flags.maxExamples, '--max-examples') : undefined,
          fit: { tokenizer, maxSeqLen },
          seed: parsePositiveInt(flags.seed ?? '7', '--seed'),
          onProgress: ({ done, total }) => bar.update(done, total, 'chunks'),
        });
        bar.stop();
        if (result.lines.length === 0)
          throw new UsageError(
            `no examples from collection "${flags.collection}" (${result.chunks} chunks gave no question): try --mode cloze`,
          );
        const out = resolve(flags.out);
        await writeTrainingData(out, result.lines);
        const summary = {
          out,
          examples: result.lines.length,
          chunks: result.chunks,
          chunksWithoutQuestions: result.chunksWithoutQuestions,
          paraphrasesKept: result.paraphrasesKept,
          paraphrasesDropped: result.paraphrasesDropped,
          fitting: result.fitting,
        };
        output(flags.json, summary, () =>
          [
            `${summary.examples} ${mode} examples from ${summary.chunks} chunks → ${out}`,
            describeFit(result.fitting!),
            ...(summary.chunksWithoutQuestions ? [`${summary.chunksWithoutQuestions} chunks gave no question`] : []),
            ...(paraphrases
              ? [
                  `paraphrases: ${summary.paraphrasesKept} kept, ${summary.paraphrasesDropped} dropped (lost names or numbers)`,
                ]
              : []),
            `next: attune tune --data ${flags.out} --name NAME`,
          ].join('\n'),
        );
      } finally {
        bar.stop();
        await runtime.dispose();
        await tokenizer.dispose();
      }
    });
}
