import { usesCollection } from '../answer/catalog.ts';
import { buildStrategies } from '../answer/create-strategy.ts';
import { inlineQuestionSet } from '../dataset/questions.ts';
import { executeRun, planNewRun, type RunPlan } from '../evaluate/run.ts';
import { assignAdapters, newRunSettings } from '../evaluate/run-settings.ts';
import { labelFilter } from './context.ts';
import { MODEL_LANE, type Job, type JobContext } from './jobs.ts';
import type { KeyScope } from './keys.ts';
import { assertModelLaneFree, queuedGenerator, queuedStrategy, type ModelJobContext } from './model-jobs.ts';
import { requireVisibleAdapter } from './adapter-access.ts';
import type { EvalStartRequest } from './schemas.ts';

function adapterChoices(body: EvalStartRequest): Record<string, string> {
  const perStrategy = Object.entries(body.adapters ?? {}).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  return { ...assignAdapters(body.adapter ? [body.adapter] : [], body.strategies), ...Object.fromEntries(perStrategy) };
}

/**
 * Records a new run (as `attune eval` does, with the questions from the body) and answers it in the background
 * with the server's models; the key's access labels limit its retrieval as they limit the key's searches.
 */
export async function startEvalRun(
  context: ModelJobContext,
  scope: KeyScope,
  body: EvalStartRequest,
): Promise<{ runId: string; job: Job }> {
  const { resources, jobs } = context;
  assertModelLaneFree(jobs);
  const adapters = adapterChoices(body);
  for (const adapter of new Set(Object.values(adapters))) requireVisibleAdapter(resources, scope, adapter);
  if (body.collection) await resources.store(body.collection); // 404 before a run is recorded
  const settings = newRunSettings(resources.config, { ...body, adapters, judge: body.judge ? 'generator' : undefined });
  const questions = inlineQuestionSet(body.questions, 'questions sent to POST /v1/eval/runs');
  const plan = await planNewRun(resources.home, questions, { ...settings, accessLabels: scope.labels }, body.limit);
  const job = jobs.start(
    { kind: 'eval', keyId: scope.id, collection: body.collection, runId: plan.meta.runId },
    MODEL_LANE,
    (job) => answerRun(context, scope, plan, job),
  );
  return { runId: plan.meta.runId, job };
}

async function answerRun(
  context: ModelJobContext,
  scope: KeyScope,
  plan: RunPlan,
  job: JobContext,
): Promise<{ runId: string; rows: number }> {
  const { resources, queue } = context;
  const { meta } = plan;
  const generator = await resources.generator();
  const retrieves = meta.collection !== undefined && meta.strategies.some(usesCollection);
  const [store, embedder] = retrieves
    ? await Promise.all([resources.store(meta.collection!), resources.embedder()])
    : [];
  const deps = { generator, store, embedder, retrieval: resources.config.retrieval, filter: labelFilter(scope) };
  const key = `eval:${meta.runId}`;
  const strategies = buildStrategies(meta.strategies, deps, { adapters: meta.adapters, maxTokens: meta.maxTokens }).map(
    (strategy) => queuedStrategy(strategy, queue, key, job.signal),
  );
  meta.models.generator = generator.id;
  if (embedder) meta.models.embedder = embedder.id;
  const judge = meta.models.judge ? queuedGenerator(generator, queue, key, job.signal) : undefined;
  const { report } = await executeRun(resources.home, plan, {
    strategies,
    judge,
    signal: job.signal,
    onProgress: (done, total) => job.report({ done, total }),
  });
  return { runId: meta.runId, rows: Object.values(report.strategies).reduce((sum, s) => sum + s.items.length, 0) };
}
