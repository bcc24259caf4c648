import { existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { collectionDir } from '../config/paths.ts';
import { createRuntime } from '../runtime/runtime.ts';
import { UsageError } from '../errors.ts';
import { describeFit } from '../tune/fit.ts';
import { prepareAdapterData, type AdapterData } from './adapter-data.ts';
import { assembleResult, type CompareResult, type StepRecord } from './assemble.ts';
import { accuracyByTag, describeByTag } from './by-tag.ts';
import { StepCache } from './cache.ts';
import { calibrateSpeeds, checkBudget, describeEstimate, formatDuration } from './estimate.ts';
import { measureFreshness, type FreshnessMeasurement } from './freshness.ts';
import { planEstimate } from './plan-estimate.ts';
import { evaluateCached, timedIngest, trainAdapter, type TrainedAdapter } from './steps.ts';
import { ADAPTER_STRATEGIES, adapterKindOf, listNames, STRATEGY_NAMES, usesAdapter } from '../answer/catalog.ts';
import { describeTuningStep, tuneRetrievalForCompare, wantsRetrievalTuning } from './retrieval-tuning.ts';
import { checkTunedEmbedder, reembedStep } from './ft-retriever.ts';
import { adapterKinds, registerAdapters, strategiesUnderComparison, type AdapterKind } from './strategies.ts';
import { describeLeaks, readCorpus } from './training-data.ts';
import { compareDiagnostics } from './diagnostics.ts';
import type { ReadingDiagnostics } from '../evaluate/diagnostics.ts';
import type { CompareOptions } from './options.ts';
import { validateInputs } from './validate.ts';

export type { FreshnessMeasurement } from './freshness.ts';
export type { CompareOptions, CompareProgress } from './options.ts';

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** The steps the pre-training estimate covers. */
const ESTIMATED_STEPS = new Set(['train', 'evaluate', 'freshness']);

/**
 * `attune compare`: validate every input → ingest → training data (leaks dropped, every example fitted to the
 * trainer's --max-seq-len) → estimate, refused above --max-minutes → adapters → evaluation of every strategy on
 * the same held-out questions → freshness after an update → recommendation. Each step's result is cached by the
 * hash of its inputs under `<out>/cache`, so a rerun resumes where the last one stopped, and says so; a strategy
 * whose adapter fails to train is reported as failed while the others finish.
 */
export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  const out = resolve(options.out);
  const home = join(out, 'work', 'home');
  const cache = new StepCache(join(out, 'cache'));
  const notice = (line: string) => options.onNotice?.(line);
  const wantsAdapters = options.strategies.some(usesAdapter);
  const wantsTuning = wantsRetrievalTuning(options.strategies);
  const wantsRetriever = checkTunedEmbedder(options.strategies, options.tunedEmbedder);
  if (wantsAdapters && !options.trainer)
    throw new UsageError(
      `strategies ${listNames(ADAPTER_STRATEGIES)} need the trainer (Python environment); pass --strategies ${STRATEGY_NAMES.filter((s) => !usesAdapter(s)).join(',')} to compare without fine-tuning`,
    );
  const plan = [
    'ingest',
    ...(wantsRetriever ? ['re-embed'] : []),
    ...(wantsAdapters ? ['training data', 'train'] : []),
    ...(wantsTuning ? ['tune retrieval'] : []),
    'evaluate',
    ...(options.diagnostics ? ['diagnostics'] : []),
    ...(options.update ? ['freshness'] : []),
    'report',
  ];
  const steps: StepRecord[] = [];
  const warnings: string[] = [];
  const reused: string[] = [];
  let current = { name: '', started: 0, index: 0 };
  const start = (name: string) => {
    current = { name, started: performance.now(), index: plan.indexOf(name) + 1 };
    options.onProgress?.({ step: name, index: current.index, steps: plan.length, state: 'start' });
  };
  const progress = (done: number, total: number, detail?: string) =>
    options.onProgress?.({
      step: current.name,
      index: current.index,
      steps: plan.length,
      state: 'progress',
      done,
      total,
      detail,
    });
  const finish = (cached: boolean, detail: string, peakRssMb?: number) => {
    const seconds = (performance.now() - current.started) / 1000;
    const memory = {
      rssMb: mb(process.memoryUsage().rss),
      peakRssMb: Math.max(peakRssMb ?? 0, Math.round(process.resourceUsage().maxRSS / 1024)),
    };
    steps.push({ step: current.name, seconds, cached, detail, ...memory });
    if (cached) reused.push(current.name);
    options.onProgress?.({
      step: current.name,
      index: current.index,
      steps: plan.length,
      state: 'done',
      detail: `${detail}${cached ? ' (reused)' : ''} — ${formatDuration(seconds)}, peak ${memory.peakRssMb} MB`,
    });
  };

  if (existsSync(cache.dir) && readdirSync(cache.dir).length > 0)
    notice(`resuming in ${out}: steps finished by an earlier run are reused`);
  const inputs = await validateInputs(options, wantsAdapters, warnings);
  const { set, questions, format, tokenizer } = inputs;
  await mkdir(home, { recursive: true });

  const runtime = options.runtime
    ? options.runtime.forHome(home)
    : createRuntime({ config: options.config, home, env: options.env });
  try {
    const embedder = await runtime.embedder();
    // 1. ingest
    start('ingest');
    const store = await runtime.store('corpus', { create: true });
    const ingested = await timedIngest(
      options.config,
      home,
      'corpus',
      store,
      embedder,
      [options.corpus],
      options.signal,
    );
    if (ingested.result.failed.length)
      warnings.push(...ingested.result.failed.map((f) => `ingest: ${f.path}: ${f.reason}`));
    const documents = await readCorpus([options.corpus], options.config.chunking, (text) => embedder.countTokens(text));
    if (documents.size === 0)
      throw new UsageError(
        `--corpus ${options.corpus}: no document could be read (${ingested.result.failed[0]?.reason ?? 'all empty'})`,
      );
    finish(
      ingested.result.added + ingested.result.updated === 0,
      `${documents.size} documents, ${ingested.result.chunks} new chunks, ${ingested.result.unchanged} unchanged`,
    );

    // 1b. rag-ft-retriever's collection: the corpus re-embedded with the tuned embedder
    const tunedRetriever = wantsRetriever
      ? await reembedStep({ runtime, cache, options, from: store, questions, warnings }, { start, progress, finish })
      : undefined;

    // 2. training data, checked and fitted before any training
    const adapters: Partial<Record<AdapterKind, TrainedAdapter>> = {};
    const failed: Partial<Record<AdapterKind, string>> = {};
    let data: AdapterData | undefined;
    let training: CompareResult['training'] = null;
    const kinds = adapterKinds(options.strategies);
    if (wantsAdapters) {
      start('training data');
      data = await prepareAdapterData({
        options,
        cache,
        documents,
        questions,
        train: inputs.train,
        store,
        embedder,
        ft: { tokenizer: tokenizer!, maxSeqLen: options.training.ft.maxSeqLen },
        raft: { tokenizer: tokenizer!, maxSeqLen: options.training.raft.maxSeqLen },
      });
      Object.assign(failed, data.unusable);
      training = {
        qaExamples: data.qa.length,
        raftExamples: data.raft.length,
        source: data.source,
        droppedForLeakage: data.leakage.examples,
        fitting: data.fitting,
        leakage: data.leakage,
      };
      const fitted = [
        data.fitting.qa && `Q/A ${describeFit(data.fitting.qa)}`,
        data.fitting.raft && `RAFT ${describeFit(data.fitting.raft)}`,
      ]
        .filter(Boolean)
        .join('; ');
      finish(
        data.cached,
        `${data.qa.length} Q/A (${data.source}), ${data.raft.length} RAFT examples; ${describeLeaks(data.leakage)}${fitted ? `; ${fitted}` : ''}`,
      );
    }

    // the estimate of everything left, before the first training step, at this machine's speed now
    const calibration =
      options.config.generator.provider === 'llama' ? await calibrateSpeeds(await runtime.generator()) : undefined;
    const estimate = await planEstimate({
      options,
      home,
      cache,
      set,
      questions,
      documents,
      data,
      kinds,
      failed,
      tokenizer,
      embedder,
      speeds: calibration?.speeds,
    });
    const cachedNow = [
      ...reused,
      ...estimate.cachedAdapters.map((k) => `${k} adapter`),
      ...(estimate.answersDone ? [`${estimate.answersDone} answers`] : []),
    ];
    if (cachedNow.length) notice(`reusing cached: ${cachedNow.join(', ')}`);
    notice(
      `${describeEstimate(estimate.estimate)}${calibration ? `; a reference generation ran ${calibration.factor.toFixed(1)}× the time measured on an idle 2-core machine` : ''}`,
    );
    if (options.maxMinutes !== undefined) checkBudget(estimate.estimate, options.maxMinutes);
    for (const [kind, reason] of Object.entries(failed))
      notice(`${kind} cannot be trained: ${reason}; its strategies are reported as failed`);

    // 3. adapters: one that fails is recorded, the others go on
    if (wantsAdapters) {
      start('train');
      let cachedAll = true;
      let peak = 0;
      for (const kind of kinds) {
        if (failed[kind]) continue;
        const examples = kind === 'ft' ? data!.qa : data!.raft;
        try {
          adapters[kind] = await trainAdapter({
            home,
            kind,
            examples,
            dataFile: join(out, 'training', `${kind}.jsonl`),
            base: options.base,
            trainer: options.trainer!,
            settings: options.training[kind],
            signal: options.signal,
            onStep: (step, total, loss) => progress(step, total, `${kind} loss ${loss.toFixed(3)}`),
          });
          cachedAll &&= adapters[kind]!.cached;
          peak = Math.max(peak, adapters[kind]!.peakRssMb ?? 0);
          if (adapters[kind]!.cached) reused.push(`${kind} adapter`);
          else
            notice(
              `trained the ${kind} adapter: ${adapters[kind]!.meta.steps} steps in ${formatDuration(adapters[kind]!.meta.wallSeconds)}${adapters[kind]!.peakRssMb ? `, trainer peak ${adapters[kind]!.peakRssMb} MB` : ''}`,
            );
        } catch (error) {
          if (options.signal?.aborted) throw error;
          failed[kind] = (error as Error).message;
          cachedAll = false;
          warnings.push(`train ${kind}: ${failed[kind]}`);
          notice(
            `the ${kind} adapter failed to train (${failed[kind]}); its strategies are reported as failed, the others go on`,
          );
        }
      }
      finish(
        cachedAll,
        kinds
          .map((k) =>
            adapters[k]
              ? `${k}: ${adapters[k]!.meta.steps} steps, ${adapters[k]!.meta.wallSeconds.toFixed(0)} s`
              : `${k}: failed`,
          )
          .join('; ') + (peak ? `; trainer peak ${peak} MB` : ''),
        peak,
      );
    }

    // 3b. rag-tuned: k, mode and fusion tuned on development questions disjoint from the held-out ones
    if (wantsTuning) start('tune retrieval');
    const { config, signal } = options;
    const step = { cache, store, embedder, heldOut: questions, config, signal, onProgress: progress };
    const tuning = wantsTuning ? await tuneRetrievalForCompare(step) : undefined;
    if (tuning) finish(tuning.cached, describeTuningStep(tuning.report));

    // 4. evaluate
    start('evaluate');
    registerAdapters(runtime, adapters);
    const generator = await runtime.generator();
    const strategies = strategiesUnderComparison(options, generator, store, embedder, adapters, failed, {
      tunedRetrieval: tuning?.retrieval,
      tunedRetriever,
    });
    const rowsFile = cache.path('eval', estimate.evalKey, 'jsonl');
    const rows = await evaluateCached({
      rowsFile,
      questions,
      strategies,
      repeats: options.repeats,
      maxTokens: options.maxTokens,
      prices: options.prices,
      signal: options.signal,
      onProgress: (d, t) => progress(d, t),
    });
    const errors = rows.filter((r) => r.error).length;
    const tagged = accuracyByTag(rows, questions, options.metric);
    finish(
      estimate.answersDone >= questions.length * strategies.length * options.repeats,
      `${questions.length} questions × ${strategies.length} strategies × ${options.repeats} repeat(s)${estimate.answersDone ? `, ${estimate.answersDone} answers reused` : ''}${errors ? `, ${errors} failed answer(s)` : ''}${tagged.length ? `; ${options.metric} by tag: ${describeByTag(tagged)}` : ''}`,
    );
    if (estimate.answersDone > 0 && !reused.includes('evaluate')) reused.push(`${estimate.answersDone} answers`);

    // 4b. reading diagnostics: a failure here is recorded, the rest of the result stands
    let diagnostics: ReadingDiagnostics | undefined;
    if (options.diagnostics) {
      start('diagnostics');
      try {
        const run = await compareDiagnostics({
          options,
          cache,
          evalKey: estimate.evalKey,
          questions,
          generator,
          store,
          embedder,
          adapters,
          progress,
        });
        diagnostics = run.diagnostics;
        finish(
          run.cached,
          Object.entries(diagnostics)
            .map(
              ([name, d]) =>
                `${name}: ${d.outcomes.right} right, ${d.outcomes['retrieval failure']} retrieval failures, ${d.outcomes.distracted} distracted, ${d.outcomes['reading failure']} reading failures`,
            )
            .join('; ') || 'no reading strategy',
        );
      } catch (error) {
        if (options.signal?.aborted) throw error;
        warnings.push(`diagnostics: ${(error as Error).message}`);
        finish(false, `failed: ${(error as Error).message}`);
      }
    }

    // 5. freshness: a failure here is recorded, the rest of the result stands
    let freshness: FreshnessMeasurement | null = null;
    if (options.update) {
      start('freshness');
      try {
        freshness = await measureFreshness({
          options,
          runtime,
          home,
          out,
          cache,
          documents,
          questions,
          embedder,
          adapters,
          failed,
          train: inputs.train,
          fit: tokenizer ? { tokenizer, maxSeqLen: options.training.ft.maxSeqLen } : undefined,
          fitting: undefined,
          warnings,
          progress,
          tunedRetrieval: tuning?.retrieval,
          tunedEmbedder: tunedRetriever && options.tunedEmbedder,
        });
        finish(false, `${freshness.facts.length} changed facts`);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        warnings.push(`freshness: ${(error as Error).message}`);
        finish(false, `failed: ${(error as Error).message}`);
      }
    }

    start('report');
    const result = await assembleResult({
      options,
      questions,
      rows,
      adapters,
      training,
      freshness,
      format,
      steps,
      warnings,
      indexDir: collectionDir(home, 'corpus'),
      documents: documents.size,
    });
    result.byTag = tagged;
    if (diagnostics) result.diagnostics = diagnostics;
    if (tuning) result.retrievalTuning = tuning.report;
    result.failures = Object.entries(failed).map(([kind, message]) => ({
      adapter: kind,
      strategies: options.strategies.filter((s) => adapterKindOf(s) === kind),
      message: message!,
    }));
    result.reused = reused;
    result.estimate = {
      seconds: estimate.estimate.seconds,
      steps: estimate.estimate.steps,
      speedFactor: calibration?.factor ?? null,
      actualSeconds: steps.filter((s) => ESTIMATED_STEPS.has(s.step)).reduce((sum, s) => sum + s.seconds, 0),
    };
    finish(false, 'assembled');
    result.steps = steps;
    return result;
  } finally {
    await tokenizer?.dispose().catch(() => {});
    await runtime.dispose().catch(() => {});
  }
}
