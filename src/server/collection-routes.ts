import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { CollectionNotFoundError, UsageError } from '../errors.ts';
import { retrieve } from '../retrieve/retrieve.ts';
import { authorize, canManageLabels, canSeeLabels, labelFilter, publicSource, type ServerEnv } from './context.ts';
import { ForbiddenError, NotFoundError } from './http-errors.ts';
import { startIngestJob } from './ingest-jobs.ts';
import { publicJob, type Job, type Jobs } from './jobs.ts';
import { canAccessCollection, hasOperation } from './keys.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { CollectionName, CreateCollectionRequest, describeIssue, SearchRequest, UploadFields } from './schemas.ts';
import { saveUploads, safeFileName, uploadsDir, type UploadLimits } from './uploads.ts';
import { parseBody } from './validate.ts';
import type { FairQueue } from './fair-queue.ts';

function collectionParam(value: string): string {
  const parsed = CollectionName.safeParse(value);
  if (!parsed.success) throw new UsageError(`collection ${describeIssue(parsed.error)}`);
  return parsed.data;
}

function listField(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values
    .flatMap((v) => String(v).split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function collectionRoutes(
  resources: Runtime,
  jobs: Jobs,
  limits: UploadLimits,
  queue: FairQueue,
): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.get('/collections', async (c) => {
    const scope = authorize(c, 'read');
    const names = (await resources.collections()).filter((name) => canAccessCollection(scope, name));
    return c.json({ collections: names.map((name) => ({ name })) });
  });

  app.post('/collections', async (c) => {
    const { name } = await parseBody(c, CreateCollectionRequest);
    authorize(c, 'admin', name);
    if ((await resources.collections()).includes(name)) throw new UsageError(`collection "${name}" already exists`);
    await resources.store(name, { create: true });
    return c.json({ name }, 201);
  });

  app.delete('/collections/:collection', async (c) => {
    const collection = collectionParam(c.req.param('collection'));
    authorize(c, 'admin', collection);
    if (!(await resources.collections()).includes(collection))
      throw new CollectionNotFoundError(`collection "${collection}" not found`);
    await resources.deleteCollection(collection);
    rmSync(uploadsDir(resources.home, collection), { recursive: true, force: true });
    return c.json({ deleted: collection });
  });

  // Document names are metadata, not chunk text: listing them needs the ingest operation, and
  // a key lists only the documents whose chunks it may see.
  app.get('/collections/:collection/documents', async (c) => {
    const collection = collectionParam(c.req.param('collection'));
    const scope = authorize(c, 'ingest', collection);
    const store = await resources.store(collection);
    const visible = (await store.documents()).filter((d) => canSeeLabels(scope, d.labels));
    return c.json({ documents: visible.map((d) => publicSource(scope, d)) });
  });

  app.post('/collections/:collection/documents', async (c) => {
    const collection = collectionParam(c.req.param('collection'));
    const scope = authorize(c, 'ingest', collection);
    const form = await c.req.parseBody({ all: true }).catch(() => {
      throw new UsageError('send multipart/form-data with "files" fields (and optional "labels", "tags")');
    });
    const fields = UploadFields.safeParse({ labels: listField(form.labels), tags: listField(form.tags) });
    if (!fields.success) throw new UsageError(describeIssue(fields.error));
    // a key can only give documents labels it holds itself: it could not read them otherwise
    if (scope.labels !== undefined && fields.data.labels.some((label) => !scope.labels!.includes(label)))
      throw new ForbiddenError('forbidden');
    const files = (Array.isArray(form.files) ? form.files : [form.files]).filter((f): f is File => f instanceof File);
    const store = await resources.store(collection); // 404 before anything is written
    // an upload replaces the document of the same name: only a key that could delete it may (checked before the file is saved)
    const existing = new Map((await store.documents()).map((d) => [d.docId, d]));
    for (const file of files) {
      const before = existing.get(file.name);
      if (before && !canManageLabels(scope, before.labels)) throw new ForbiddenError('forbidden');
    }
    const paths = await saveUploads(uploadsDir(resources.home, collection), files, limits);
    const job = startIngestJob(jobs, resources, { collection, keyId: scope.id, paths, ...fields.data });
    return c.json(publicJob(job), 202);
  });

  app.delete('/collections/:collection/documents/:docId{.+}', async (c) => {
    const collection = collectionParam(c.req.param('collection'));
    const scope = authorize(c, 'ingest', collection);
    const docId = c.req.param('docId');
    const store = await resources.store(collection);
    const document = (await store.documents()).find((d) => d.docId === docId);
    // a document the key may not see looks exactly like one that does not exist
    if (!document || !canSeeLabels(scope, document.labels)) throw new NotFoundError('document not found');
    if (!canManageLabels(scope, document.labels)) throw new ForbiddenError('forbidden');
    await store.write({ upsert: [], removeDocIds: [docId] });
    try {
      rmSync(join(uploadsDir(resources.home, collection), safeFileName(docId.split('/').at(-1)!, { ...limits })), {
        force: true,
      });
    } catch {
      // not an uploaded file (ingested from the CLI): nothing to remove on disk
    }
    return c.json({ deleted: docId });
  });

  app.get('/jobs/:id', (c) => c.json(publicJob(visibleJob(c.get('scope'), jobs.get(c.req.param('id'))))));

  app.get('/jobs/:id/events', (c) => {
    const job = visibleJob(c.get('scope'), jobs.get(c.req.param('id')));
    return streamSSE(c, async (stream) => {
      let resolveDone!: () => void;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      const send = (j: Job) => {
        if (j.id !== job.id) return;
        void stream.writeSSE({ event: 'progress', data: JSON.stringify(publicJob(j)) });
        if (j.status === 'done' || j.status === 'failed') resolveDone();
      };
      const unsubscribe = jobs.subscribe(send);
      stream.onAbort(() => resolveDone());
      send(job);
      await done;
      unsubscribe();
    });
  });

  app.post('/collections/:collection/search', async (c) => {
    const collection = collectionParam(c.req.param('collection'));
    const scope = authorize(c, 'read', collection);
    const body = await parseBody(c, SearchRequest);
    const [store, embedder] = await Promise.all([resources.store(collection), resources.embedder()]);
    const { k, mode } = resources.config.retrieval;
    const rerank = await resources.rerankOptions(body.rerank);
    const search = () =>
      retrieve(store, embedder, body.query, {
        k: body.k ?? k,
        mode: body.mode ?? mode,
        fusion: resources.config.retrieval.fusion,
        filter: labelFilter(scope),
        ...rerank,
        signal: c.req.raw.signal,
      });
    // re-ranking is one generation per candidate: it takes its turn in the model queue like chat (429 when full)
    if (rerank.reranker) queue.assertRoom();
    const result = rerank.reranker ? await queue.run(scope.id, search) : await search();
    return c.json({ hits: result.hits.map((hit) => publicSource(scope, hit)), timings: result.timings });
  });

  app.get('/collections/:collection/chunks/:chunkId', async (c) => {
    const collection = collectionParam(c.req.param('collection'));
    const scope = authorize(c, 'read', collection);
    const store = await resources.store(collection);
    const [hit] = await store.getChunks([c.req.param('chunkId')], labelFilter(scope));
    // a chunk the key may not see looks exactly like one that does not exist
    if (!hit) throw new NotFoundError('chunk not found');
    return c.json(publicSource(scope, hit));
  });

  return app;
}

function visibleJob(scope: { id: string; ops: string[] }, job: Job | undefined): Job {
  if (!job || (job.keyId !== scope.id && !hasOperation(scope as never, 'admin')))
    throw new NotFoundError('job not found');
  return job;
}
