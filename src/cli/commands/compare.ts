import type { Command } from 'commander';
import { embedderFolder } from '../../tune/embedder/registry.ts';
import { runCompare, type CompareProgress } from '../../compare/compare.ts';
import { parseMinEffects, parsePriorities } from '../../compare/recommend.ts';
import { compareResultDir, newCompareId } from '../../compare/results.ts';
import {
  COMPARE_DEFAULTS,
  compareOptions,
  parseStrategies,
  writeCompareOutputs,
  type CompareSettings,
} from '../../compare/setup.ts';
import { renderCompareSummary } from '../../compare/summary.ts';
import { AttuneError } from '../../errors.ts';
import { cliContext, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';
import { progressBar } from '../progress.ts';
import { CompareSettingsSchema } from '../../compare/settings-schema.ts';
import { parseSettingsFlags } from '../flags.ts';
import { handleInterrupt } from '../interrupt.ts';

interface CompareFlags {
  corpus: string;
  questions: string;
  train?: string;
  update?: string;
  priorities?: string;
  minEffect?: string;
  format?: string;
  strategies: string;
  repeats: string;
  limit?: string;
  epochs: string;
  maxSteps?: string;
  raftMaxSteps?: string;
  lr: string;
  maxTokens: string;
  metric: string;
  maxTrainExamples: string;
  maxMinutes: string;
  maxSeqLen?: string;
  out?: string;
  json?: boolean;
  progress?: boolean;
  diagnostics?: boolean;
  tunedEmbedder?: string;
}

const HELP = `
Runs the whole experiment: ingest → training data (given, or generated from the corpus; refused if it leaks
the held-out questions) → LoRA adapters → every strategy on the same held-out questions → freshness after an
update → format adherence → cost, latency → a recommendation that only counts significant differences.
Writes <out>/compare.json and <out>/report.html; a rerun reuses every step whose inputs did not change.

Examples:
  attune compare --corpus docs/ --questions held-out.jsonl --out compare-out
  attune compare --corpus docs/ --questions held-out.jsonl          # writes <home>/compare/<id>/, listed by \`attune serve\`
  attune compare --corpus docs/ --questions q.jsonl --update docs-v2/ --priorities freshness=high,latency=low --out out
  attune compare --corpus docs/ --questions q.jsonl --strategies base,rag --format format.json --json --out out
  attune compare --corpus docs/ --questions q.jsonl --strategies rag,rag-ft-retriever --tuned-embedder docs-minilm --out out

--update DIR: the second version of some documents, same relative paths as in --corpus.
--format FILE: {"kind":"regex","pattern":"…"} | {"kind":"json-schema","schema":{…}} | {"kind":"examples","answers":["…"]}
--priorities: accuracy, freshness, cost, latency, customization = high | medium | low | ignore.
--min-effect: the smallest difference that matters, e.g. accuracy=0.1,latency=20% (defaults: accuracy 0.05,
  freshness 0.1, customization 0.05 on their 0–1 scales; latency and cost 10% of the larger mean). A difference
  counts only when significant after Holm correction and at least this large; "equivalent" needs a TOST within it.`;

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('RAG vs fine-tuning vs hybrids on your data: measure all five considerations and recommend a strategy')
    .requiredOption('--corpus <path>', 'documents folder (as for ingest)')
    .requiredOption('--questions <file>', 'held-out questions JSONL ({id, question, answers, goldDocIds?})')
    .option(
      '--out <dir>',
      'output folder: report.html, compare.json, cache of every step (default <home>/compare/<new id>, listed by `attune serve`)',
    )
    .option(
      '--train <file>',
      'training data (chat, instruction or question/answer JSONL); default: generated from the corpus',
    )
    .option('--update <path>', 'second version of some documents, to measure freshness')
    .option('--priorities <list>', 'e.g. freshness=high,latency=low (default accuracy=high, the rest medium)')
    .option('--min-effect <list>', 'smallest differences that matter, e.g. accuracy=0.1,latency=20%')
    .option('--format <file>', 'wanted answer format, to measure adherence')
    .option('--strategies <list>', 'strategies to compare', COMPARE_DEFAULTS.strategies)
    .option(
      '--repeats <n>',
      'answer every question n times (seeds differ; temperature 0.7 when n > 1)',
      String(COMPARE_DEFAULTS.repeats),
    )
    .option('--limit <n>', 'only the first n questions')
    .option('--epochs <n>', 'training epochs', String(COMPARE_DEFAULTS.epochs))
    .option('--max-steps <n>', 'cap on training steps of the Q/A adapter')
    .option('--raft-max-steps <n>', 'cap on training steps of the RAFT adapter')
    .option('--lr <x>', 'learning rate', String(COMPARE_DEFAULTS.lr))
    .option('--max-tokens <n>', 'most tokens per answer', String(COMPARE_DEFAULTS.maxTokens))
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option(
      '--max-train-examples <n>',
      'cap on generated training examples per adapter',
      String(COMPARE_DEFAULTS.maxTrainExamples),
    )
    .option('--metric <name>', 'accuracy measure: containment | f1 | exactMatch', COMPARE_DEFAULTS.metric)
    .option(
      '--max-seq-len <n>',
      "token limit of the Q/A adapter's examples: generated ones are fitted to it, a --train line over it is refused (default 256)",
    )
    .option(
      '--max-minutes <n>',
      'refuse to start training when the remaining work is estimated above n minutes (the estimate is printed first)',
      String(COMPARE_DEFAULTS.maxMinutes),
    )
    .option(
      '--diagnostics',
      'also answer each question of rag, ft-rag and raft with no context, the gold passage only, and distractors only (RAFT-style): separates retrieval from reading failures',
    )
    .option(
      '--tuned-embedder <name>',
      'rag-ft-retriever: an embedder from `attune tune-embedder` (see `attune models list`); the corpus is re-embedded with it',
    )
    .option('--json', 'print compare.json to stdout instead of the summary')
    .option('--progress', 'show progress even when stderr is not a terminal')
    .addHelpText('after', HELP)
    .action(async (flags: CompareFlags, command: Command) => {
      const context = cliContext(command);
      // the limits of the server's POST /v1/eval/compare, one schema for both
      const checked = parseSettingsFlags(CompareSettingsSchema, {
        repeats: { flag: '--repeats', value: flags.repeats },
        limit: { flag: '--limit', value: flags.limit },
        epochs: { flag: '--epochs', value: flags.epochs },
        maxSteps: { flag: '--max-steps', value: flags.maxSteps },
        raftMaxSteps: { flag: '--raft-max-steps', value: flags.raftMaxSteps },
        lr: { flag: '--lr', value: flags.lr },
        maxTokens: { flag: '--max-tokens', value: flags.maxTokens },
        maxTrainExamples: { flag: '--max-train-examples', value: flags.maxTrainExamples },
        metric: { flag: '--metric', value: flags.metric, kind: 'string' },
        maxMinutes: { flag: '--max-minutes', value: flags.maxMinutes },
        maxSeqLen: { flag: '--max-seq-len', value: flags.maxSeqLen },
      });
      const settings: CompareSettings = {
        corpus: flags.corpus,
        questions: flags.questions,
        train: flags.train,
        update: flags.update,
        format: flags.format,
        out: flags.out ?? compareResultDir(context.home, newCompareId()),
        strategies: parseStrategies(flags.strategies),
        priorities: parsePriorities(flags.priorities),
        ...(flags.minEffect ? { minEffects: parseMinEffects(flags.minEffect) } : {}),
        repeats: checked.repeats ?? COMPARE_DEFAULTS.repeats,
        limit: checked.limit,
        epochs: checked.epochs ?? COMPARE_DEFAULTS.epochs,
        lr: checked.lr ?? COMPARE_DEFAULTS.lr,
        maxSteps: checked.maxSteps,
        raftMaxSteps: checked.raftMaxSteps,
        maxTokens: checked.maxTokens ?? COMPARE_DEFAULTS.maxTokens,
        maxTrainExamples: checked.maxTrainExamples ?? COMPARE_DEFAULTS.maxTrainExamples,
        metric: checked.metric ?? COMPARE_DEFAULTS.metric,
        maxMinutes: checked.maxMinutes ?? COMPARE_DEFAULTS.maxMinutes,
        maxSeqLen: checked.maxSeqLen,
        diagnostics: flags.diagnostics === true,
        ...(flags.tunedEmbedder ? { tunedEmbedder: embedderFolder(context.home, flags.tunedEmbedder) } : {}),
      };
      const abort = new AbortController();
      const onSigint = () =>
        abort.abort(
          new AttuneError(`interrupted: rerun with --out ${settings.out} to continue (finished steps are reused)`),
        );
      const removeInterrupt = handleInterrupt(onSigint);
      const reporter = progressReporter(flags.progress === true);
      try {
        const options = await compareOptions(settings, {
          config: context.config,
          env: context.env,
          log: (line) => process.stderr.write(`attune: ${line}\n`),
          signal: abort.signal,
          onProgress: reporter.update,
          onNotice: (line) => {
            reporter.stop();
            process.stderr.write(`attune: ${line}\n`);
          },
        });
        const result = await runCompare(options);
        reporter.stop();
        const files = await writeCompareOutputs(result, settings.out);
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write(`${renderCompareSummary(result)}\n\nreport: ${files.html}\njson:   ${files.json}\n`);
      } catch (error) {
        reporter.stop();
        if (abort.signal.aborted) throw abort.signal.reason;
        throw error;
      } finally {
        removeInterrupt();
      }
    });
}

/** Pipeline progress: a line per step on stderr, and a bar with ETA within long steps on a terminal. */
export function progressReporter(force: boolean): { update: (event: CompareProgress) => void; stop: () => void } {
  const show = force || process.stderr.isTTY;
  let bar = progressBar('');
  return {
    update(event) {
      if (!show) return;
      if (event.state === 'start') process.stderr.write(`[${event.index}/${event.steps}] ${event.step}…\n`);
      else if (event.state === 'done') {
        bar.stop();
        bar = progressBar('');
        process.stderr.write(`[${event.index}/${event.steps}] ${event.step}: ${event.detail ?? 'done'}\n`);
      } else if (event.total)
        bar.update(event.done ?? 0, event.total, `  ${event.step}${event.detail ? ` ${event.detail}` : ''}`);
    },
    stop: () => bar.stop(),
  };
}
