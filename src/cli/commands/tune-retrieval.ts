import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { readQuestions } from '../../dataset/questions.ts';
import { AttuneError, UsageError } from '../../errors.ts';
import { writeAtomic } from '../../io/atomic-write.ts';
import { CONFIG_FILE } from '../../paths.ts';
import { replaceChunks, writeRetrievalChoice } from '../../retrieve/tuning/apply.ts';
import { describeChunking, describeKnobs } from '../../retrieve/tuning/grid.ts';
import { generatedQuestions, judgeableQuestions } from '../../retrieve/tuning/questions.ts';
import { tuneOnSplit, type TuneRunResult } from '../../retrieve/tuning/run.ts';
import { chunkingVariant, sourceDocuments } from '../../retrieve/tuning/variants.ts';
import { createRuntime, type RuntimeFactories } from '../../runtime/runtime.ts';
import type { Embedder } from '../../embed/embedder.ts';
import type { Store } from '../../store/store.ts';
import { cliContext, output, parseNumber, parsePositiveInt, type CliContext } from '../context.ts';
import { progressBar } from '../progress.ts';
import { handleInterrupt } from '../interrupt.ts';

interface Flags {
  collection: string;
  questions?: string;
  devFraction: string;
  maxReindex: string;
  maxQuestions: string;
  rechunk: boolean;
  rerankSearch: boolean;
  apply: boolean;
  out?: string;
  json?: boolean;
  progress?: boolean;
}

export function registerTuneRetrieval(program: Command): void {
  program
    .command('tune-retrieval')
    .description(
      'tune retrieval on a development split: chunking, k, hybrid fusion and re-ranking; writes the best settings',
    )
    .requiredOption(
      '-c, --collection <name>',
      'collection to tune (searched only; re-indexed at the end if the chunking changes)',
    )
    .option(
      '--questions <file>',
      'question JSONL (gold doc ids or answers); default: questions generated from the collection',
    )
    .option('--dev-fraction <f>', 'share of the questions the search sees; the rest check the choice', '0.5')
    .option('--max-reindex <n>', 'most re-chunked copies to build (embed) in this run; built ones are reused', '6')
    .option('--max-questions <n>', 'most questions generated from the collection', '200')
    .option('--no-rechunk', 'tune query-time settings only (k, mode, fusion, re-ranking)')
    .option('--no-rerank-search', 'do not measure LLM re-ranking (one generation per candidate)')
    .option('--no-apply', 'report only: leave the config file and the collection as they are')
    .option('--out <file>', 'the result as JSON (default <home>/tune-retrieval/<collection>/result.json)')
    .option('--json', 'print the result as JSON')
    .option('--progress', 'show progress bars even when stderr is not a terminal')
    .addHelpText(
      'after',
      '\nExample:\n  attune tune-retrieval --collection handbook --questions handbook-questions.jsonl --dev-fraction 0.5 --max-reindex 2',
    )
    .action(async (flags: Flags, command: Command) => {
      const context = cliContext(command);
      const configPath = resolve(command.optsWithGlobals().config ?? CONFIG_FILE);
      const bar = progressBar('tune-retrieval', { force: flags.progress });
      try {
        const { result, applied, file } = await runTuneRetrieval(
          flags,
          { ...context, configPath },
          (phase, done, total) => bar.update(done, total, phase),
        );
        bar.stop();
        output(flags.json, { ...result, applied, file }, () => describe(result, applied, file));
      } finally {
        bar.stop();
      }
    });
}

/** The command without its terminal: tune, check on the held-out questions, apply, write the JSON result. */
export async function runTuneRetrieval(
  flags: Omit<Flags, 'json' | 'progress'>,
  context: CliContext & { configPath: string; factories?: Partial<RuntimeFactories> },
  onProgress?: (phase: string, done: number, total: number) => void,
): Promise<{ result: TuneRunResult; applied: string[]; file: string }> {
  const devFraction = parseNumber(flags.devFraction, '--dev-fraction');
  if (!(devFraction > 0 && devFraction <= 1))
    throw new UsageError(`--dev-fraction must be in (0, 1], got "${flags.devFraction}"`);
  const maxReindex = Number(flags.maxReindex);
  if (!Number.isInteger(maxReindex) || maxReindex < 0)
    throw new UsageError(`--max-reindex must be a whole number of at least 0, got "${flags.maxReindex}"`);
  const root = join(context.home, 'tune-retrieval', flags.collection);
  const runtime = createRuntime(context);
  const controller = new AbortController();
  const stop = () =>
    controller.abort(
      new AttuneError('tune-retrieval interrupted: nothing was written; built copies are reused next time'),
    );
  const removeInterrupt = handleInterrupt(stop);
  try {
    const { store, embedder } = await runtime.collection(flags.collection);
    const questions = flags.questions
      ? judgeableQuestions((await readQuestions(flags.questions)).questions)
      : await generatedQuestions(store, { max: parsePositiveInt(flags.maxQuestions, '--max-questions') });
    if (questions.length < 2)
      throw new UsageError(
        `${flags.questions ?? `collection ${flags.collection}`}: ${questions.length} usable question(s); tuning needs at least 2 answerable questions with goldDocIds or answers`,
      );
    const result = await tuneOnSplit({
      store,
      embedder,
      questions,
      devFraction,
      baseline: { chunking: context.config.chunking, retrieval: context.config.retrieval },
      rechunk: flags.rechunk ? { root, maxReindex } : undefined,
      reranker: flags.rerankSearch ? await runtime.reranker() : undefined,
      signal: controller.signal,
      onProgress,
    });
    const applied = flags.apply ? await apply(result, store, embedder, root, context.configPath) : [];
    const file = flags.out ?? join(root, 'result.json');
    const source = flags.questions ?? 'generated from the collection';
    await writeAtomic(file, `${JSON.stringify({ questions: source, ...result, applied }, null, 2)}\n`);
    return { result, applied, file };
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    removeInterrupt();
    await runtime.dispose();
  }
}

/** Writes the choice into the config file, and re-indexes the collection in one write when the chunking changed. */
async function apply(
  result: TuneRunResult,
  store: Store,
  embedder: Embedder,
  root: string,
  configPath: string,
): Promise<string[]> {
  const done: string[] = [];
  const { chosen, baseline } = result;
  if (describeChunking(chosen.chunking) !== describeChunking(baseline.chunking)) {
    const { documents } = await sourceDocuments(store);
    const variant = await chunkingVariant({ root, documents, embedder, chunking: chosen.chunking });
    try {
      const chunks = await replaceChunks(store, variant.store);
      done.push(
        `re-indexed ${store.collection} with chunking ${describeChunking(chosen.chunking)}: ${chunks} chunks, in one write`,
      );
    } finally {
      await variant.store.dispose();
    }
  }
  await writeRetrievalChoice(configPath, chosen);
  done.push(
    `wrote chunking, retrieval.k, mode, fusion${chosen.rerank === undefined ? '' : ' and rerank'} to ${configPath}`,
  );
  return done;
}

function describe(result: TuneRunResult, applied: string[], file: string): string {
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(40) : c.padStart(9))).join(' ');
  const f = (n: number) => n.toFixed(3);
  const { chosen, heldOut } = result;
  return [
    `${result.split.dev} development questions (${result.split.heldOut} held out); ${result.metric} on the development split, best first:`,
    row(['chunking (tokens/overlap) and search', 'nDCG@10', 'recall@3', 'recall@5', 'recall@8']),
    ...result.tried.map((t) => row([t.label, f(t.ndcg), f(t.recall[3]!), f(t.recall[5]!), f(t.recall[8]!)])),
    '',
    `baseline: ${result.baseline.label}, k ${result.baseline.k}: ${f(result.baseline.ndcg)}`,
    `chosen:   chunking ${describeChunking(chosen.chunking)}, ${describeKnobs(chosen)}${chosen.rerank ? ' +rerank' : ''}, k ${chosen.k}: ${f(result.best.ndcg)}`,
    ...(heldOut
      ? [
          `held out (${heldOut.questions} questions the search never saw): baseline ${f(heldOut.baseline)}, chosen ${f(heldOut.chosen)}${heldOut.test ? `, difference ${heldOut.test.difference >= 0 ? '+' : ''}${f(heldOut.test.difference)} [${f(heldOut.test.low)}, ${f(heldOut.test.high)}], p = ${heldOut.test.p.toFixed(3)}` : ''}`,
        ]
      : []),
    ...result.notes.map((n) => `note: ${n}`),
    ...(applied.length ? applied : ['not applied (--no-apply)']),
    `result: ${file}`,
  ].join('\n');
}
