import { Hono } from 'hono';
import {
  compareResultDir,
  compareResultExists,
  listCompareResults,
  loadCompareReport,
  loadCompareResult,
  readCompareResult,
  summarizeCompareResult,
  type CompareResultSummary,
} from '../compare/results.ts';
import { startCompare } from './compare-jobs.ts';
import { authorize, type ServerContext, type ServerEnv } from './context.ts';
import { ForbiddenError, NotFoundError } from './http-errors.ts';
import { publicJob, type Job } from './jobs.ts';
import type { Operation } from './keys.ts';
import type { ModelJobContext } from './model-jobs.ts';
import { htmlReport } from './report-pages.ts';
import { CompareStartRequest } from './schemas.ts';
import { parseBody } from './validate.ts';

/**
 * A comparison reads any corpus under the data roots and trains adapters on it, so it follows the rule of an
 * adapter of unknown origin: only keys for every collection (`--collections '*'`) and every label see or start one.
 */
function authorizeCompare(c: ServerContext, op: Operation) {
  const scope = authorize(c, op, '*');
  if (scope.labels !== undefined) throw new ForbiddenError('forbidden');
  return scope;
}

function withJob(summary: CompareResultSummary, job: Job | undefined) {
  const status = summary.status === 'complete' ? 'complete' : job ? job.status : 'incomplete';
  return { ...summary, status, job: job ? publicJob(job) : null };
}

/** `attune compare` results under `<home>/compare/<id>/`, and comparisons started over HTTP. */
export function compareRoutes(context: ModelJobContext): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();
  const { home } = context.resources;

  /** The id in the path of a comparison that exists (finished or not); 404 otherwise. */
  function existingId(c: ServerContext): string {
    authorizeCompare(c, 'read');
    const id = c.req.param('id')!;
    compareResultDir(home, id); // 400 on a malformed id
    if (!compareResultExists(home, id)) throw new NotFoundError('comparison not found');
    return id;
  }

  const finished = <T>(load: Promise<T>) =>
    load.catch(() => {
      throw new NotFoundError('comparison not finished (see its job)');
    });

  app.get('/', async (c) => {
    authorizeCompare(c, 'read');
    const summaries = await listCompareResults(home);
    return c.json({ comparisons: summaries.map((summary) => withJob(summary, context.jobs.forRun(summary.id))) });
  });

  app.post('/', async (c) => {
    const scope = authorizeCompare(c, 'admin');
    const body = await parseBody(c, CompareStartRequest);
    const { compareId, job } = await startCompare(context, scope, body);
    return c.json({ compareId, jobId: job.id, job: publicJob(job) }, 202);
  });

  app.get('/:id', async (c) => {
    const id = existingId(c);
    const result = await readCompareResult(home, id);
    return c.json({ ...withJob(summarizeCompareResult(id, result), context.jobs.forRun(id)), result: result ?? null });
  });

  app.get('/:id/report', async (c) => {
    const id = existingId(c);
    return htmlReport(c, await finished(loadCompareReport(home, id)));
  });

  app.post('/:id/report-link', async (c) => {
    const id = existingId(c);
    await finished(loadCompareResult(home, id));
    return c.json(context.links.create(() => loadCompareReport(home, id)));
  });

  return app;
}
