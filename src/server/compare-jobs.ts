import { mkdir } from 'node:fs/promises';
import { runCompare } from '../compare/compare.ts';
import { DEFAULT_PRIORITIES } from '../compare/recommend.ts';
import { compareResultDir, newCompareId } from '../compare/results.ts';
import {
  COMPARE_DEFAULTS,
  compareOptions,
  parseStrategies,
  writeCompareOutputs,
  type CompareSettings,
} from '../compare/setup.ts';
import { resolveDataPath } from './data-roots.ts';
import { MODEL_LANE, type Job } from './jobs.ts';
import type { KeyScope } from './keys.ts';
import { assertModelLaneFree, whenQueued, type ModelJobContext } from './model-jobs.ts';
import type { CompareStartRequest } from './schemas.ts';

/** The body's choices with `attune compare`'s defaults; every path resolved inside the data roots (400 otherwise). */
function compareSettings(context: ModelJobContext, body: CompareStartRequest, out: string): CompareSettings {
  const path = (value: string | undefined, field: string) =>
    value === undefined ? undefined : resolveDataPath(context.dataRoots, value, field);
  return {
    corpus: path(body.corpus, 'corpus')!,
    questions: path(body.questions, 'questions')!,
    train: path(body.train, 'train'),
    update: path(body.update, 'update'),
    format: path(body.format, 'format'),
    out,
    strategies: body.strategies ?? parseStrategies(COMPARE_DEFAULTS.strategies),
    priorities: { ...DEFAULT_PRIORITIES, ...body.priorities },
    repeats: body.repeats ?? COMPARE_DEFAULTS.repeats,
    limit: body.limit,
    epochs: body.epochs ?? COMPARE_DEFAULTS.epochs,
    lr: body.lr ?? COMPARE_DEFAULTS.lr,
    maxSteps: body.maxSteps,
    raftMaxSteps: body.raftMaxSteps,
    maxTokens: body.maxTokens ?? COMPARE_DEFAULTS.maxTokens,
    maxTrainExamples: body.maxTrainExamples ?? COMPARE_DEFAULTS.maxTrainExamples,
    metric: body.metric ?? COMPARE_DEFAULTS.metric,
  };
}

/**
 * Runs `attune compare` in the background into `<home>/compare/<id>/`, with the server's embedder and generator
 * (its adapters are added to that generator). It trains adapters and answers with the shared models, so it holds
 * the model queue for its whole run: chat requests wait (or get 429) meanwhile.
 */
export async function startCompare(
  context: ModelJobContext,
  scope: KeyScope,
  body: CompareStartRequest,
): Promise<{ compareId: string; job: Job }> {
  const { resources, jobs, queue } = context;
  assertModelLaneFree(jobs);
  const compareId = newCompareId();
  const settings = compareSettings(context, body, compareResultDir(resources.home, compareId));
  await mkdir(settings.out, { recursive: true });
  const job = jobs.start({ kind: 'compare', keyId: scope.id, runId: compareId }, MODEL_LANE, ({ report, signal }) =>
    whenQueued(
      queue,
      `compare:${compareId}`,
      async () => {
        const options = await compareOptions(settings, {
          config: resources.config,
          env: resources.env,
          runtime: resources,
          signal,
          onProgress: (event) => report({ ...event }),
        });
        const result = await runCompare(options);
        await writeCompareOutputs(result, settings.out);
        return { compareId, recommended: result.recommendation.recommended };
      },
      signal,
    ),
  );
  return { compareId, job };
}
