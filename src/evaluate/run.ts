import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Strategy } from '../answer/strategy.ts';
import { parseQuestions, formatQuestions, type Question, type QuestionSet } from '../dataset/questions.ts';
import { UsageError } from '../errors.ts';
import { writeAtomic } from '../io/atomic-write.ts';
import type { Generator } from '../generate/generator.ts';
import { loadDiagnostics } from './diagnostics.ts';
import { buildEvalReport, type EvalReport } from './eval-report.ts';
import { evaluate, type EvaluateResult } from './evaluate.ts';
import type { EvalRow } from './row.ts';
import { appendRow, loadRun, newRunId, runDir, saveRunMeta, type RunMeta } from './runs.ts';

/** A run ready to execute: its stored description, its questions and the rows it already has (resume). */
export interface RunPlan {
  meta: RunMeta;
  questions: Question[];
  done: EvalRow[];
}

export type NewRunSettings = Omit<RunMeta, 'runId' | 'createdAt' | 'status' | 'dataset' | 'questionIds'>;

/**
 * Records a new run: the exact questions it asks (so show and resume never depend on the source file), then
 * run.json. run.json is what makes the folder a run, so it is written last and whole: a process killed before
 * it leaves no run, and one killed after it leaves a run with all its questions.
 */
export async function planNewRun(
  home: string,
  set: QuestionSet,
  settings: NewRunSettings,
  limit?: number,
): Promise<RunPlan> {
  const questions = limit ? set.questions.slice(0, limit) : set.questions;
  if (questions.length === 0) throw new UsageError(`${set.file}: no valid questions to evaluate`);
  const meta: RunMeta = {
    runId: newRunId(),
    createdAt: new Date().toISOString(),
    status: 'running',
    dataset: { file: set.file, hash: set.hash, questions: questions.length },
    questionIds: questions.map((q) => q.id),
    ...settings,
  };
  await writeAtomic(join(runDir(home, meta.runId), 'questions.jsonl'), formatQuestions(questions));
  await saveRunMeta(home, meta);
  return { meta, questions, done: [] };
}

export async function runQuestions(home: string, runId: string): Promise<Question[]> {
  const text = await readFile(join(runDir(home, runId), 'questions.jsonl'), 'utf8').catch(() => '');
  return parseQuestions(text, join(runDir(home, runId), 'questions.jsonl')).questions;
}

/** A stored run ready to continue; refused when its stored questions are not the ones it was started with. */
export async function planResume(home: string, runId: string): Promise<RunPlan> {
  const { meta, rows } = await loadRun(home, runId);
  const questions = await runQuestions(home, runId);
  const stored = questions.map((q) => q.id);
  if (stored.length !== meta.questionIds.length || stored.some((id, i) => id !== meta.questionIds[i])) {
    const missing = meta.questionIds.filter((id) => !stored.includes(id)).length;
    throw new UsageError(
      `run ${runId} cannot be resumed: its questions.jsonl holds ${stored.length} of the ${meta.questionIds.length} questions it was started with${missing ? ` (${missing} missing)` : ', in another order or with others'}; start a new run with \`attune eval --dataset …\``,
      { input: join(runDir(home, runId), 'questions.jsonl') },
    );
  }
  return { meta, questions, done: rows };
}

export interface ExecuteOptions {
  /** Built by the caller from `plan.meta.strategies`; the harness only calls `answer`. */
  strategies: Strategy[];
  judge?: Generator;
  signal?: AbortSignal;
  onProgress?: (completed: number, total: number) => void;
}

/** Answers what is left, appending each row as it completes; marks the run complete and returns its report. */
export async function executeRun(
  home: string,
  plan: RunPlan,
  options: ExecuteOptions,
): Promise<{ report: EvalReport; stats: EvaluateResult['stats'] }> {
  const { meta } = plan;
  await saveRunMeta(home, meta);
  const result = await evaluate({
    questions: plan.questions,
    strategies: options.strategies,
    repeats: meta.repeats,
    baseSeed: meta.baseSeed,
    temperature: meta.temperature,
    prices: meta.prices,
    judge: options.judge,
    done: plan.done,
    onRow: (row) => appendRow(home, meta.runId, row),
    onProgress: options.onProgress,
    signal: options.signal,
  });
  meta.status = 'complete';
  await saveRunMeta(home, meta);
  return { report: buildEvalReport(meta, [...plan.done, ...result.rows], plan.questions), stats: result.stats };
}

export async function loadRunReport(home: string, runId: string): Promise<EvalReport> {
  const { meta, rows } = await loadRun(home, runId);
  const report = buildEvalReport(meta, rows, await runQuestions(home, runId));
  const diagnostics = await loadDiagnostics(home, runId);
  return diagnostics ? { ...report, diagnostics } : report;
}
