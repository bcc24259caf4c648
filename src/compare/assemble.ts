import type { RetrievalTuningReport } from './retrieval-tuning.ts';
import type { ReadingDiagnostics } from '../evaluate/diagnostics.ts';
import { adapterKindOf, strategySpec, type AdapterKind, type UpdatePath } from '../answer/catalog.ts';
import { bootstrapMean, type Estimate } from '../evaluate/metrics/statistics.ts';
import type { EvalRow } from '../evaluate/row.ts';
import {
  compareStrategies,
  groupByStrategy,
  summarizeStrategy,
  type Comparison,
  type StrategyMetrics,
} from '../evaluate/summarize.ts';
import type { Question } from '../dataset/questions.ts';
import type { LossPoint } from '../tune/trainer.ts';
import type { CompareOptions } from './options.ts';
import { DEFAULT_DEBOUNCE_MS } from '../ingest/watch.ts';
import type { FreshnessMeasurement } from './freshness.ts';
import { breakEvenQueries, folderBytes, machineCost } from './economics.ts';
import { adheres, describeFormat, type FormatSpec } from './format-spec.ts';
import { recommend, type Priorities, type Priority, type Recommendation, type StrategyEvidence } from './recommend.ts';
import { scoreFreshness } from './staleness.ts';
import type { TrainedAdapter } from './steps.ts';
import type { FitReport } from '../tune/fit.ts';
import type { TagAccuracy } from './by-tag.ts';
import type { LeakReport } from './training-data.ts';

export interface StepRecord {
  step: string;
  seconds: number;
  cached: boolean;
  detail: string;
  /** Node process memory after the step, and its peak so far (the trainer's own peak for the train step when larger). */
  rssMb?: number;
  peakRssMb?: number;
}

export interface StrategyFreshness {
  /** What bringing this strategy up to date takes. */
  update: UpdatePath;
  updateSeconds: number;
  updateUsd: number;
  before: { accuracy: number | null; staleness: number | null };
  after: { accuracy: number | null; staleness: number | null };
  /** Changed facts given after the update, of those asked (failed answers count as not given). */
  afterCounts: { given: number; stale: number; n: number };
}

export interface StrategyResult {
  metrics: StrategyMetrics;
  /** The accuracy measure the recommendation uses (mean, 95% CI over questions). */
  accuracy: Estimate;
  timings: {
    e2e: StrategyMetrics['latency']['total'];
    retrieve: StrategyMetrics['latency']['retrieve'];
    generate: StrategyMetrics['latency']['generate'];
    firstToken: StrategyMetrics['latency']['firstToken'];
  };
  cost: {
    perQuery: number | null;
    per1000: number | null;
    promptTokensMean: number | null;
    trainingSeconds: number | null;
    trainingUsd: number | null;
    breakEvenQueries: number | null;
  };
  customization: { adherence: Estimate } | null;
  freshness: StrategyFreshness | null;
  adapter: {
    name: string;
    steps: number;
    trainLoss: number;
    valLoss: number | null;
    wallSeconds: number;
    lossCurve: LossPoint[];
  } | null;
}

export interface CompareResult {
  createdAt: string;
  corpus: string;
  questions: { file: string; count: number };
  metric: string;
  scale: {
    documents: number;
    questions: number;
    repeats: number;
    strategies: string[];
    maxTokens: number;
    retrievalK: number;
  };
  strategies: Record<string, StrategyResult>;
  comparisons: Comparison[];
  freshness: {
    changedDocuments: number;
    changedFacts: number;
    unresolved: string[];
    reindexSeconds: number;
    retrainSeconds: number | null;
    /**
     * How long each side stays stale after a document changes: rag under `attune watch` (the watcher's debounce
     * plus the incremental re-index of this update, measured here, which is what a watch batch runs) against
     * the time to re-train the Q/A adapter (null when no adapter was re-trained).
     */
    stalenessWindow: { ragUnderWatchSeconds: number; debounceSeconds: number; ftRetrainSeconds: number | null };
    facts: FreshnessMeasurement['facts'];
  } | null;
  customization: { format: string } | null;
  resources: { indexBytes: number; peakRssMb: number };
  training: {
    qaExamples: number;
    raftExamples: number;
    source: string;
    droppedForLeakage: number;
    /** How generated examples were fitted to each adapter's --max-seq-len (null: given with --train, or not built). */
    fitting?: { qa: FitReport | null; raft: FitReport | null };
    /** Generated examples dropped because they leak held-out test items, by kind, each listed. */
    leakage?: LeakReport;
  } | null;
  /** Accuracy per question tag (e.g. fictional-knowledge probe kinds mem / gen / hard_gen), per strategy. */
  byTag?: TagAccuracy[];
  /** RAFT-style reading diagnostics of the strategies that read documents (`--diagnostics`). */
  diagnostics?: ReadingDiagnostics;
  /** How rag-tuned's retrieval settings were chosen (when rag-tuned is compared). */
  retrievalTuning?: RetrievalTuningReport;
  /** Adapters that could not be trained; their strategies answered every question with an error. */
  failures?: { adapter: string; strategies: string[]; message: string }[];
  /** Steps and answers reused from an earlier run's cache. */
  reused?: string[];
  /** The estimate printed before training, and the time the same steps took. */
  estimate?: {
    seconds: number;
    steps: { step: string; seconds: number }[];
    actualSeconds: number /** How much slower than the measured defaults this machine ran a reference generation (1 = as measured). */;
    speedFactor: number | null;
  };
  recommendation: Recommendation;
  /** Known failure signs seen in the results (e.g. RAFT's "ft-rag below ft"). */
  signs: string[];
  warnings: string[];
  steps: StepRecord[];
}

/** Per-question means over repeats; a failed answer counts as `failed` (0 for accuracy: a failure never helps), or is skipped when null. */
function perQuestion(
  rows: EvalRow[],
  value: (row: EvalRow) => number | null | undefined,
  failed: number | null = null,
): Map<string, number> {
  const values = new Map<string, number[]>();
  for (const row of rows) {
    const v = row.error ? (row.answerable ? failed : null) : value(row);
    if (typeof v === 'number') values.set(row.questionId, [...(values.get(row.questionId) ?? []), v]);
  }
  return new Map([...values].map(([id, list]) => [id, list.reduce((a, b) => a + b, 0) / list.length]));
}

export async function assembleResult(input: {
  options: CompareOptions;
  questions: Question[];
  rows: EvalRow[];
  adapters: Partial<Record<AdapterKind, TrainedAdapter>>;
  training: CompareResult['training'];
  freshness: FreshnessMeasurement | null;
  format: FormatSpec | undefined;
  steps: StepRecord[];
  warnings: string[];
  indexDir: string;
  documents: number;
}): Promise<CompareResult> {
  const { options, rows, freshness, format } = input;
  const groups = groupByStrategy(rows, options.strategies);
  const price = options.prices.hardwarePerHour;
  // local models are priced by machine time only, so per-query cost would count latency twice
  const costIsTime = options.prices.inputPerMillion === 0 && options.prices.outputPerMillion === 0;
  const strategies: Record<string, StrategyResult> = {};
  const evidence: StrategyEvidence[] = [];
  const ragSummary = groups.has('rag') ? summarizeStrategy(groups.get('rag')!) : null;
  const ragPerQuery = ragSummary?.cost.perQuery ?? null;
  const ragTokens = ragSummary?.tokens.promptMean ?? null;
  for (const [name, group] of groups) {
    const metrics = summarizeStrategy(group);
    const accuracyValues = perQuestion(group, (row) => row.scores?.[options.metric], 0);
    const adapterKind = adapterKindOf(name);
    const adapter = adapterKind ? input.adapters[adapterKind] : undefined;
    const trainingSeconds = adapter ? adapter.meta.wallSeconds : null;
    const trainingUsd = trainingSeconds === null ? null : machineCost(trainingSeconds, price);
    const adherence = format ? perQuestion(group, (row) => adheres(row.answer ?? '', format)) : null;
    let fresh: StrategyFreshness | null = null;
    let freshValues: Map<string, number> | undefined;
    if (freshness && freshness.facts.length) {
      const ids = new Set(freshness.facts.map((f) => f.questionId));
      const before = scoreFreshness(
        group
          .filter((r) => ids.has(r.questionId))
          .map((r) => ({ questionId: r.questionId, answer: r.error ? '' : (r.answer ?? '') })),
        freshness.facts,
      );
      const after = scoreFreshness(
        freshness.afterRows
          .filter((r) => r.strategy === name)
          .map((r) => ({ questionId: r.questionId, answer: r.error ? '' : (r.answer ?? '') })),
        freshness.facts,
      );
      const update = strategySpec(name).update;
      const seconds =
        (update.includes('re-index') ? freshness.reindexSeconds : 0) +
        (update.includes('re-train') ? (freshness.retrainSeconds ?? 0) : 0);
      fresh = {
        update,
        updateSeconds: seconds,
        updateUsd: machineCost(seconds, price),
        before: { accuracy: before.accuracy, staleness: before.staleness },
        after: { accuracy: after.accuracy, staleness: after.staleness },
        afterCounts: {
          given: round((after.accuracy ?? 0) * after.n),
          stale: round((after.staleness ?? 0) * after.n),
          n: after.n,
        },
      };
      freshValues = after.perQuestion;
    }
    strategies[name] = {
      metrics,
      accuracy: bootstrapMean([...accuracyValues.values()]),
      timings: {
        e2e: metrics.latency.total,
        retrieve: metrics.latency.retrieve,
        generate: metrics.latency.generate,
        firstToken: metrics.latency.firstToken,
      },
      cost: {
        perQuery: metrics.cost.perQuery,
        per1000: metrics.cost.per1000,
        promptTokensMean: metrics.tokens.promptMean,
        trainingSeconds,
        trainingUsd,
        // only a strategy with shorter prompts than rag saves per query; otherwise the difference is latency noise
        breakEvenQueries:
          trainingUsd === null || !ragTokens || (metrics.tokens.promptMean ?? Infinity) >= ragTokens
            ? null
            : breakEvenQueries(trainingUsd, ragPerQuery, metrics.cost.perQuery),
      },
      customization: adherence ? { adherence: bootstrapMean([...adherence.values()]) } : null,
      freshness: fresh,
      adapter: adapter
        ? {
            name: adapter.name,
            steps: adapter.meta.steps,
            trainLoss: adapter.meta.trainLoss,
            valLoss: adapter.meta.valLoss,
            wallSeconds: adapter.meta.wallSeconds,
            lossCurve: adapter.meta.lossCurve,
          }
        : null,
    };
    const accuracy = strategies[name]!.accuracy;
    evidence.push({
      name,
      values: {
        accuracy: accuracyValues,
        latency: perQuestion(group, (row) => (row.timings ? -row.timings.totalMs / 1000 : null)),
        ...(costIsTime
          ? {}
          : { cost: perQuestion(group, (row) => (typeof row.cost === 'number' ? -row.cost * 1000 : null)) }),
        ...(freshValues ? { freshness: freshValues } : {}),
        ...(adherence ? { customization: adherence } : {}),
      },
      display: {
        accuracy: `${options.metric} ${fmt(accuracy.mean)} [${fmt(accuracy.low)}, ${fmt(accuracy.high)}]`,
        latency: `p50 ${ms(metrics.latency.total.p50)}, p95 ${ms(metrics.latency.total.p95)}`,
        cost: `$${(metrics.cost.per1000 ?? 0).toFixed(4)} per 1k queries${trainingUsd !== null ? ` + $${trainingUsd.toFixed(4)} training` : ''}`,
        ...(fresh
          ? {
              freshness: `after ${fresh.update}: ${fresh.afterCounts.given}/${fresh.afterCounts.n} new facts, ${fresh.afterCounts.stale}/${fresh.afterCounts.n} stale (${fresh.updateSeconds.toFixed(0)} s)`,
            }
          : {}),
        ...(strategies[name]!.customization
          ? { customization: `adherence ${fmt(strategies[name]!.customization!.adherence.mean)}` }
          : {}),
      },
      costPer1000: metrics.cost.per1000,
      errors: { failed: metrics.errors, total: metrics.rows },
    });
  }
  const recommendation = recommend(
    evidence,
    costIsTime ? mergeCostIntoLatency(options.priorities) : options.priorities,
    { minEffects: options.minEffects },
  );
  if (costIsTime)
    recommendation.rationale.splice(
      1,
      0,
      `cost per query here is machine time × $${price}/h, the same measurement as latency: it is counted once, under latency (weighted ${recommendation.priorities.latency}); training and update costs are shown as evidence`,
    );
  const comparisons = compareStrategies(groups);
  return {
    createdAt: new Date().toISOString(),
    corpus: options.corpus,
    questions: { file: options.questions, count: input.questions.length },
    metric: options.metric,
    scale: {
      documents: input.documents,
      questions: input.questions.length,
      repeats: options.repeats,
      strategies: options.strategies,
      maxTokens: options.maxTokens,
      retrievalK: options.config.retrieval.k,
    },
    strategies,
    comparisons,
    freshness: freshness
      ? {
          changedDocuments: freshness.changedDocuments,
          changedFacts: freshness.facts.length,
          unresolved: freshness.unresolved,
          reindexSeconds: freshness.reindexSeconds,
          retrainSeconds: freshness.retrainSeconds,
          stalenessWindow: stalenessWindow(freshness.reindexSeconds, freshness.retrainSeconds),
          facts: freshness.facts,
        }
      : null,
    customization: format ? { format: describeFormat(format) } : null,
    resources: {
      indexBytes: await folderBytes(input.indexDir),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    training: input.training,
    recommendation,
    signs: failureSigns(strategies, recommendation, options.metric),
    warnings: input.warnings,
    steps: input.steps,
  };
}

const LEVELS: Priority[] = ['ignore', 'low', 'medium', 'high'];
function mergeCostIntoLatency(priorities: Priorities): Priorities {
  const latency = LEVELS[Math.max(LEVELS.indexOf(priorities.latency), LEVELS.indexOf(priorities.cost))]!;
  return { ...priorities, latency, cost: 'ignore' };
}

const round = (value: number) => Math.round(value * 10) / 10;
const fmt = (value: number | null | undefined) => (value === null || value === undefined ? 'n/a' : value.toFixed(2));
const ms = (value: number | null) =>
  value === null ? 'n/a' : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;

/** The failure patterns the literature warns about, checked against these results. */
export function failureSigns(
  strategies: Record<string, StrategyResult>,
  recommendation: Recommendation,
  metric: string,
): string[] {
  const signs: string[] = [];
  const means = Object.values(strategies).map((s) => s.accuracy.mean);
  if (means.length > 1 && means.every((m) => m !== null && m === means[0])) {
    signs.push(
      `the accuracy metric (${metric}) is ${fmt(means[0])} for every strategy, so it cannot tell them apart and the ranking rests on the other considerations; for long gold answers (passages, sentences) rerun with --metric f1`,
    );
  }
  const significant = (better: string, worse: string) =>
    recommendation.comparisons.find(
      (c) => c.consideration === 'accuracy' && c.better === better && c.worse === worse && c.significant,
    );
  if (significant('ft', 'ft-rag'))
    signs.push(
      'ft-rag scores significantly below ft alone: the RAFT paper (Zhang et al. 2024) reports the same for domain fine-tuning + RAG — the adapter was not trained to read retrieved documents; raft trains with them',
    );
  if (strategies.ft && strategies.base && !significant('ft', 'base'))
    signs.push(
      'ft is not significantly better than base: fine-tuning did not inject the facts at this scale (Ovadia et al. 2024 found fine-tuning learns new facts poorly; it needs many paraphrases of each fact)',
    );
  for (const [name, result] of Object.entries(strategies)) {
    if ((result.freshness?.after.staleness ?? 0) >= 0.5)
      signs.push(
        `${name} still gives the old fact in ${((result.freshness!.after.staleness ?? 0) * 100).toFixed(0)}% of the changed-fact answers after its update`,
      );
    if (result.metrics.errors > 0)
      signs.push(
        `${name}: ${result.metrics.errors} failed answer(s) (${Object.entries(result.metrics.errorKinds)
          .map(([k, n]) => `${k}: ${n}`)
          .join(', ')})`,
      );
  }
  return signs;
}

/** rag under `attune watch` is stale for one debounce plus one incremental re-index; ft until it is re-trained. */
export function stalenessWindow(reindexSeconds: number, retrainSeconds: number | null) {
  const debounceSeconds = DEFAULT_DEBOUNCE_MS / 1000;
  return { ragUnderWatchSeconds: debounceSeconds + reindexSeconds, debounceSeconds, ftRetrainSeconds: retrainSeconds };
}
