import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { CollectionNotFoundError, DegradedAdapterError, UsageError } from '../errors.ts';
import { adapterRoutes, type AdapterServingOptions } from './adapter-routes.ts';
import { authenticate } from './auth.ts';
import { collectionRoutes } from './collection-routes.ts';
import type { ServerEnv } from './context.ts';
import { dataRoots } from './data-roots.ts';
import { evalRoutes } from './eval-routes.ts';
import { FairQueue, type FairQueueOptions } from './fair-queue.ts';
import {
  AuthError,
  ForbiddenError,
  NotFoundError,
  NotImplementedError,
  TooManyRequestsError,
  UploadError,
} from './http-errors.ts';
import { Jobs } from './jobs.ts';
import { openaiRoutes } from './openai-routes.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { LOOPBACK_HOSTS, requestGuard } from './request-guard.ts';
import { htmlReport, ReportLinks } from './report-pages.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { jsonSchemas } from './schemas.ts';
import { DEFAULT_UPLOAD_LIMITS, type UploadLimits } from './uploads.ts';
import { webRoutes } from './web-routes.ts';

export interface AppOptions {
  resources: Runtime;
  /** false only for --no-auth on loopback: every request acts as the local admin. */
  auth: boolean;
  queue?: FairQueueOptions;
  rateLimit?: RateLimitOptions;
  uploads?: UploadLimits;
  /** Folders (besides <home>/data) whose files a comparison request may name: `--data-root`. */
  dataRoots?: string[];
  /** Host names the server answers to (the Host header); default: the loopback names with --no-auth, any with keys. */
  allowedHosts?: string[];
  /** Largest JSON body in bytes (default 1 MB; an eval run with its questions inline may send 8 MB). */
  maxJsonBytes?: number;
  /** `--allow-degraded`: serve adapters whose export parity check failed. */
  adapters?: AdapterServingOptions;
}

export interface AttuneApp {
  app: Hono;
  queue: FairQueue;
  jobs: Jobs;
}

export const DEFAULT_QUEUE: FairQueueOptions = { concurrency: 1, maxPending: 64 };
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 60, perSecond: 10 };
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;
const EVAL_RUN_JSON_BYTES = 8 * 1024 * 1024;

/** A body limit per route: uploads get their files' worth, JSON routes far less (a parsed body costs memory several times its size). */
function bodyLimits(limits: UploadLimits, maxJsonBytes: number) {
  const refuse = () => {
    throw new UploadError('request body too large', 413);
  };
  const upload = bodyLimit({ maxSize: limits.maxFileBytes * limits.maxFiles + 64 * 1024, onError: refuse });
  const evalRun = bodyLimit({ maxSize: Math.max(maxJsonBytes, EVAL_RUN_JSON_BYTES), onError: refuse });
  const json = bodyLimit({ maxSize: maxJsonBytes, onError: refuse });
  return ((c, next) => {
    if (c.req.method === 'POST' && /\/collections\/[^/]+\/documents$/.test(c.req.path)) return upload(c, next);
    if (c.req.method === 'POST' && /\/eval\/runs$/.test(c.req.path)) return evalRun(c, next);
    return json(c, next);
  }) as typeof json;
}

/** Maps an error to a status and a body that never carries internals (or any data on 401/403). */
export function errorResponse(error: unknown): { status: number; message: string; type: string; retryAfter?: number } {
  if (error instanceof AuthError) return { status: 401, message: 'unauthorized', type: 'authentication_error' };
  if (error instanceof ForbiddenError) return { status: 403, message: 'forbidden', type: 'permission_error' };
  if (error instanceof TooManyRequestsError)
    return { status: 429, message: error.message, type: 'rate_limit_error', retryAfter: error.retryAfterSeconds };
  if (error instanceof UploadError)
    return { status: error.status, message: error.message, type: 'invalid_request_error' };
  if (error instanceof DegradedAdapterError) return { status: 409, message: error.message, type: 'adapter_degraded' };
  if (error instanceof UsageError) return { status: 400, message: error.message, type: 'invalid_request_error' };
  if (error instanceof CollectionNotFoundError || error instanceof NotFoundError)
    return { status: 404, message: error.message, type: 'not_found_error' };
  if (error instanceof NotImplementedError) return { status: 501, message: error.message, type: 'not_implemented' };
  if (error instanceof Error && error.name === 'ModelError' && /unknown adapter/.test(error.message))
    return { status: 404, message: error.message, type: 'not_found_error' };
  return { status: 500, message: 'internal error', type: 'server_error' };
}

export function createApp(options: AppOptions): AttuneApp {
  const queue = new FairQueue(options.queue ?? DEFAULT_QUEUE);
  const jobs = new Jobs();
  const allowedHosts = options.allowedHosts ?? (options.auth ? undefined : LOOPBACK_HOSTS);
  const links = new ReportLinks();
  const limits = options.uploads ?? DEFAULT_UPLOAD_LIMITS;
  const api = new Hono<ServerEnv>();
  api.use(
    '*',
    authenticate({
      home: options.resources.home,
      auth: options.auth,
      rateLimiter: new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT),
    }),
  );
  api.use('*', bodyLimits(limits, options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES));
  api.route('/', openaiRoutes(options.resources, queue, options.adapters));
  api.route('/', adapterRoutes(options.resources, options.adapters));
  api.route('/', collectionRoutes(options.resources, jobs, limits, queue));
  api.route(
    '/eval',
    evalRoutes({
      resources: options.resources,
      queue,
      jobs,
      links,
      dataRoots: dataRoots(options.resources.home, options.dataRoots),
    }),
  );

  const app = new Hono();
  app.onError((error, c) => {
    const response = errorResponse(error);
    if (response.status === 500 && process.env.ATTUNE_DEBUG) console.error(error);
    if (response.retryAfter) c.header('retry-after', String(response.retryAfter));
    return c.json({ error: { message: response.message, type: response.type } }, response.status as 400);
  });
  app.notFound((c) => c.json({ error: { message: 'not found', type: 'not_found_error' } }, 404));
  app.use('*', requestGuard({ allowedHosts }));
  app.get('/health', (c) => c.json({ ok: true, queue: { pending: queue.pending, running: queue.running } }));
  // the schemas hold no data: the UI reads them before it has a key
  app.get('/v1/schemas', (c) => c.json(jsonSchemas()));
  app.route('/v1', api);
  // outside /v1 and its key check: the unguessable link, made for a key that may read the report, is the capability
  app.get('/reports/:token', async (c) => htmlReport(c, await links.render(c.req.param('token'))));
  app.route('/', webRoutes());
  return { app, queue, jobs };
}
