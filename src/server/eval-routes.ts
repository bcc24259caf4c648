import { Hono } from 'hono';
import { loadRunReport } from '../evaluate/run.ts';
import { listRuns, loadRun, loadRunMeta, RunNotFoundError, type RunMeta } from '../evaluate/runs.ts';
import { renderHtmlReport } from '../report/html.ts';
import { adapterScope, canUseAdapter } from './adapter-access.ts';
import { compareRoutes } from './compare-routes.ts';
import { authorize, type ServerContext, type ServerEnv } from './context.ts';
import { usesCollection } from '../answer/catalog.ts';
import { startEvalRun } from './eval-jobs.ts';
import { NotFoundError } from './http-errors.ts';
import { publicJob, type Job } from './jobs.ts';
import { canAccessCollection, type KeyScope } from './keys.ts';
import type { ModelJobContext } from './model-jobs.ts';
import { htmlReport } from './report-pages.ts';
import { EvalStartRequest } from './schemas.ts';
import { parseBody } from './validate.ts';

/**
 * A key sees a run when it may use the run's collection and, if the run retrieved, holds every access label
 * the run's retrieval could see (answers and retrieved text come from those chunks).
 */
export function canSeeRun(scope: KeyScope, meta: RunMeta, home?: string): boolean {
  if (meta.collection !== undefined && !canAccessCollection(scope, meta.collection)) return false;
  // answers of an adapter show what it memorised: the run follows the adapters' rule too
  if (
    home !== undefined &&
    Object.values(meta.adapters ?? {}).some((name) => !canUseAdapter(scope, adapterScope(home, name)))
  )
    return false;
  if (scope.labels === undefined || !meta.strategies.some(usesCollection)) return true;
  return meta.accessLabels !== undefined && meta.accessLabels.every((label) => scope.labels!.includes(label));
}

/** complete · queued/running/failed (a job of this server) · incomplete (interrupted, or running from the CLI). */
function runStatus(meta: RunMeta, job: Job | undefined): string {
  if (meta.status === 'complete') return 'complete';
  return job ? job.status : 'incomplete';
}

function runSummary(meta: RunMeta, job: Job | undefined) {
  const { runId, createdAt, collection, strategies, repeats, dataset, models, adapters } = meta;
  return {
    runId,
    createdAt,
    status: runStatus(meta, job),
    collection: collection ?? null,
    strategies,
    repeats,
    questions: dataset.questions,
    dataset: dataset.file,
    models,
    adapters,
    job: job ? publicJob(job) : null,
  };
}

/** Eval runs (`attune eval` and `attune runs` over HTTP), and comparisons under `/compare`. */
export function evalRoutes(context: ModelJobContext): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const { home } = context.resources;

  /** The run named in the path, or 404 when it is missing or hidden from the key. */
  async function visibleRun(c: ServerContext): Promise<RunMeta> {
    const scope = authorize(c, 'read');
    const meta = await loadRunMeta(home, c.req.param('id')!).catch((error: unknown) => {
      throw error instanceof RunNotFoundError ? new NotFoundError('run not found') : error;
    });
    if (!canSeeRun(scope, meta, home)) throw new NotFoundError('run not found');
    return meta;
  }

  app.get('/runs', async (c) => {
    const scope = authorize(c, 'read');
    const runs = (await listRuns(home)).filter((meta) => canSeeRun(scope, meta, home));
    return c.json({ runs: runs.map((meta) => runSummary(meta, context.jobs.forRun(meta.runId))) });
  });

  app.post('/runs', async (c) => {
    const scope = authorize(c, 'admin');
    const body = await parseBody(c, EvalStartRequest);
    if (body.collection) authorize(c, 'admin', body.collection);
    const { runId, job } = await startEvalRun(context, scope, body);
    return c.json({ runId, jobId: job.id, job: publicJob(job) }, 202);
  });

  app.get('/runs/:id', async (c) => {
    const meta = await visibleRun(c);
    const { rows } = await loadRun(home, meta.runId);
    const total = meta.dataset.questions * meta.strategies.length * meta.repeats;
    return c.json({ ...runSummary(meta, context.jobs.forRun(meta.runId)), progress: { done: rows.length, total } });
  });

  app.get('/runs/:id/results', async (c) => {
    const meta = await visibleRun(c);
    return c.json(await loadRunReport(home, meta.runId));
  });

  app.get('/runs/:id/report', async (c) => {
    const meta = await visibleRun(c);
    return htmlReport(c, renderHtmlReport(await loadRunReport(home, meta.runId)));
  });

  app.post('/runs/:id/report-link', async (c) => {
    const meta = await visibleRun(c);
    return c.json(context.links.create(async () => renderHtmlReport(await loadRunReport(home, meta.runId))));
  });

  app.route('/compare', compareRoutes(context));
  return app;
}
