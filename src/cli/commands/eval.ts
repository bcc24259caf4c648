import type { Command } from 'commander';
import { resolve } from 'node:path';
import {
  ADAPTER_STRATEGIES,
  COLLECTION_STRATEGIES,
  listNames,
  parseStrategyNames,
  STRATEGY_NAMES,
  usesCollection,
} from '../../answer/catalog.ts';
import { readQuestions } from '../../dataset/questions.ts';
import { AttuneError, UsageError } from '../../errors.ts';
import { buildEvalResources, modelUnderTest } from '../../evaluate/build-strategies.ts';
import {
  buildReadingDiagnostics,
  chooseDiagnosticMetric,
  generatorReader,
  runReadingDiagnostics,
  saveDiagnostics,
} from '../../evaluate/diagnostics.ts';
import { chooseJudge, judgeId, judgeRequestFromId } from '../../evaluate/metrics/judge.ts';
import type { EvalReport } from '../../evaluate/eval-report.ts';
import { executeRun, planNewRun, planResume, type RunPlan } from '../../evaluate/run.ts';
import { assignAdapters, DEFAULT_MAX_TOKENS, newRunSettings } from '../../evaluate/run-settings.ts';
import { createRuntime } from '../../runtime/runtime.ts';
import { renderHtmlReport } from '../../report/html.ts';
import { renderEvalTable } from '../../report/table.ts';
import { cliContext, MODEL_FLAG, MODEL_FLAG_HELP } from '../context.ts';
import { writeAtomic } from '../../io/atomic-write.ts';
import { progressBar } from '../progress.ts';
import { EvalSettingsSchema } from '../../evaluate/settings-schema.ts';
import { parseSettingsFlags } from '../flags.ts';
import { handleInterrupt } from '../interrupt.ts';

interface EvalFlags {
  dataset?: string;
  collection?: string;
  strategies: string;
  adapter: string[];
  repeats: string;
  limit?: string;
  seed: string;
  temperature?: string;
  maxTokens: string;
  json?: string;
  html?: string;
  resume?: string;
  progress?: boolean;
  judge?: boolean;
  judgeBaseUrl?: string;
  judgeModel?: string;
  judgeApiKeyEnv?: string;
  judgeSelf?: boolean;
  diagnostics?: boolean;
  priceIn?: string;
  priceOut?: string;
  hardwarePerHour?: string;
}

const HELP = `
Examples:
  attune dataset import --from clapnq ../shared/datasets/clapnq/clapnq_dev_*.jsonl --out data/clapnq
  attune ingest data/clapnq/corpus --collection clapnq
  attune eval --dataset data/clapnq/questions.jsonl --collection clapnq --strategies base,rag --limit 50 --html report.html
  attune eval --resume 20250101-120000-ab12          # continue an interrupted run

Cost defaults: local models $0.10 per hour of machine time (a 2-vCPU cloud VM); gpt-4o-mini $0.15/$0.60,
gpt-4o $2.50/$10, gpt-4.1-mini $0.40/$1.60 per million tokens in/out; override with --price-in/--price-out/--hardware-per-hour.
Repeats use seeds --seed, --seed+1, …; with temperature 0 (the default) they differ only in latency.`;

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('answer a question set with each strategy and measure accuracy, hallucination, latency and cost')
    .option('-d, --dataset <file>', 'questions JSONL ({id, question, answers, goldDocIds?, answerable?, tags?})')
    .option('-c, --collection <name>', `collection for ${listNames(COLLECTION_STRATEGIES)}`)
    .option('-s, --strategies <list>', `comma-separated: ${STRATEGY_NAMES.join(', ')}`, 'base,rag')
    .option(
      '--adapter <strategy=name>',
      `adapter for ${ADAPTER_STRATEGIES.join(', ')} (repeatable; a bare NAME applies to all of them)`,
      collect,
      [],
    )
    .option('--repeats <n>', 'answer every question n times with different seeds', '1')
    .option('--limit <n>', 'only the first n questions')
    .option('--seed <n>', 'seed of the first repeat', '1')
    .option('--temperature <t>', 'sampling temperature (default 0, or 0.7 with --repeats > 1)')
    .option('--max-tokens <n>', 'most tokens per answer', String(DEFAULT_MAX_TOKENS))
    .option(MODEL_FLAG, MODEL_FLAG_HELP)
    .option('--json <file>', 'write {runId, dataset, strategies: {NAME: {metrics, items}}, comparisons}')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--resume <run>', 'continue an interrupted run (its stored settings are used)')
    .option(
      '--judge',
      'grade answers with an LLM judge: another model (--judge-model, --judge-base-url), never the model under test unless --judge-self',
    )
    .option('--judge-base-url <url>', 'OpenAI-compatible endpoint for the judge')
    .option('--judge-model <name>', 'judge model name at that endpoint, or without it a local GGUF file')
    .option('--judge-api-key-env <var>', 'environment variable holding the judge endpoint key')
    .option('--judge-self', 'force the model under test to grade its own answers (not an independent check)')
    .option('--price-in <usd>', 'USD per million prompt tokens')
    .option('--price-out <usd>', 'USD per million completion tokens')
    .option('--hardware-per-hour <usd>', 'USD per hour of the machine running a local model')
    .option(
      '--diagnostics',
      `also answer each question of ${listNames(COLLECTION_STRATEGIES)} with no context, the gold passage only, and distractors only (RAFT-style): separates retrieval from reading failures`,
    )
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .addHelpText('after', HELP)
    .action(async (flags: EvalFlags, command: Command) => {
      const context = cliContext(command);
      const plan = flags.resume ? await planResume(context.home, flags.resume) : await newPlan(flags, context);
      const runtime = createRuntime({ config: context.config, home: context.home, env: context.env });
      const abort = new AbortController();
      const onSigint = () =>
        abort.abort(new AttuneError(`interrupted: continue with \`attune eval --resume ${plan.meta.runId}\``));
      const removeInterrupt = handleInterrupt(onSigint);
      const bar = progressBar(`eval ${plan.meta.runId}`, { force: flags.progress });
      process.stderr.write(
        `attune: run ${plan.meta.runId} (${plan.questions.length} questions × ${plan.meta.strategies.length} strategies × ${plan.meta.repeats} repeats${plan.done.length ? `, ${plan.done.length} rows already done` : ''})\n`,
      );
      let report: EvalReport;
      try {
        const resources = await buildEvalResources(runtime, {
          strategies: plan.meta.strategies,
          collection: plan.meta.collection,
          adapters: plan.meta.adapters,
          maxTokens: plan.meta.maxTokens,
          accessLabels: plan.meta.accessLabels,
          judge: plan.meta.models.judge ? judgeRequestFromId(plan.meta.models.judge, flags.judgeApiKeyEnv) : undefined,
        });
        plan.meta.models.generator = resources.generator.id;
        if (resources.embedder) plan.meta.models.embedder = resources.embedder.id;
        process.stderr.write(
          `attune: run ${plan.meta.runId} (${plan.questions.length} questions × ${plan.meta.strategies.length} strategies × ${plan.meta.repeats} repeats${plan.done.length ? `, ${plan.done.length} rows already done` : ''})\n`,
        );
        ({ report } = await executeRun(context.home, plan, {
          strategies: resources.strategies,
          judge: resources.judge,
          signal: abort.signal,
          onProgress: (done, total) => bar.update(done, total),
        }));
        if (flags.diagnostics) {
          const readers = plan.meta.strategies.filter(usesCollection).map((name) => ({
            strategy: name,
            read: generatorReader(resources.generator, {
              adapter: plan.meta.adapters[name],
              maxTokens: plan.meta.maxTokens,
            }),
          }));
          if (readers.length === 0 || !resources.store || !resources.embedder)
            throw new UsageError(
              `--diagnostics needs a strategy that reads documents (${COLLECTION_STRATEGIES.join(', ')}) and --collection`,
            );
          process.stderr.write(
            `attune: reading diagnostics for ${readers.map((r) => r.strategy).join(', ')} (4 answers per question each)\n`,
          );
          const metric = chooseDiagnosticMetric(plan.questions);
          const rows = await runReadingDiagnostics({
            questions: plan.questions,
            readers,
            metric,
            store: resources.store,
            embedder: resources.embedder,
            retrieval: context.config.retrieval,
            filter: plan.meta.accessLabels ? { labels: plan.meta.accessLabels } : undefined,
            signal: abort.signal,
          });
          report.diagnostics = buildReadingDiagnostics(rows, metric);
          await saveDiagnostics(context.home, plan.meta.runId, report.diagnostics);
        }
      } catch (error) {
        if (abort.signal.aborted) throw abort.signal.reason;
        throw error;
      } finally {
        bar.stop();
        removeInterrupt();
        await runtime.dispose();
      }
      process.stdout.write(`${renderEvalTable(report)}\n`);
      if (flags.json) await writeAtomic(flags.json, `${JSON.stringify(report, null, 2)}\n`);
      if (flags.html) await writeAtomic(flags.html, renderHtmlReport(report));
    });
}

async function newPlan(flags: EvalFlags, context: ReturnType<typeof cliContext>): Promise<RunPlan> {
  if (!flags.dataset) throw new UsageError('give --dataset FILE (or --resume RUN)');
  const strategies = parseStrategyNames(flags.strategies, '--strategies');
  if (strategies.length === 0) throw new UsageError('--strategies needs at least one name');
  if (new Set(strategies).size !== strategies.length)
    throw new UsageError(`--strategies names a strategy twice: ${flags.strategies}`);
  // the limits of the server's POST /v1/eval/runs, one schema for both
  const settings = parseSettingsFlags(EvalSettingsSchema, {
    repeats: { flag: '--repeats', value: flags.repeats },
    seed: { flag: '--seed', value: flags.seed },
    temperature: { flag: '--temperature', value: flags.temperature },
    maxTokens: { flag: '--max-tokens', value: flags.maxTokens },
    limit: { flag: '--limit', value: flags.limit },
    'prices.inputPerMillion': { flag: '--price-in', value: flags.priceIn },
    'prices.outputPerMillion': { flag: '--price-out', value: flags.priceOut },
    'prices.hardwarePerHour': { flag: '--hardware-per-hour', value: flags.hardwarePerHour },
  });
  const set = await readQuestions(resolve(flags.dataset));
  for (const error of set.errors) process.stderr.write(`attune: skipped ${error.message}\n`);
  return planNewRun(
    context.home,
    set,
    newRunSettings(context.config, {
      strategies,
      collection: flags.collection,
      adapters: assignAdapters(flags.adapter, strategies),
      repeats: settings.repeats ?? 1,
      seed: settings.seed ?? 1,
      temperature: settings.temperature,
      maxTokens: settings.maxTokens ?? DEFAULT_MAX_TOKENS,
      judge: judgeFromFlags(flags, context),
      prices: settings.prices ?? {},
    }),
    settings.limit,
  );
}

/** The judge's id for the run record, refused before anything is written when it would be the model under test. */
function judgeFromFlags(flags: EvalFlags, context: ReturnType<typeof cliContext>): string | undefined {
  if (!flags.judge && !flags.judgeBaseUrl && !flags.judgeModel && !flags.judgeSelf) return undefined;
  return judgeId(
    chooseJudge(
      { baseURL: flags.judgeBaseUrl, model: flags.judgeModel, apiKeyEnv: flags.judgeApiKeyEnv, self: flags.judgeSelf },
      modelUnderTest(context.config, context.env),
      (path) => resolve(path),
    ),
  );
}
