import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { usesTunedEmbedder } from '../answer/catalog.ts';
import type { Question } from '../dataset/questions.ts';
import type { Embedder } from '../embed/embedder.ts';
import { UsageError } from '../errors.ts';
import { readJsonLines } from '../io/jsonl.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { copyCollection } from '../store/copy.ts';
import type { Store } from '../store/store.ts';
import type { EmbedderMeta } from '../tune/embedder/registry.ts';
import type { TrainingRow } from '../tune/embedder/negatives.ts';
import { contentHash, type StepCache } from './cache.ts';
import { findLeaks } from './leakage.ts';
import type { CompareOptions } from './options.ts';

/** Whether a compare of these strategies needs a tuned embedder (rag-ft-retriever is among them). */
export function wantsTunedRetriever(strategies: readonly string[]): boolean {
  return strategies.some(usesTunedEmbedder);
}

/** Whether the compare needs the tuned embedder, whose folder is checked before anything runs (`--tuned-embedder`). */
export function checkTunedEmbedder(strategies: readonly string[], folder: string | undefined): boolean {
  if (!wantsTunedRetriever(strategies)) return false;
  if (!folder)
    throw new UsageError(
      'strategy rag-ft-retriever needs --tuned-embedder NAME: an embedder trained with `attune tune-embedder` (see `attune models list`)',
    );
  if (!existsSync(join(folder, 'meta.json')))
    throw new UsageError(
      `--tuned-embedder: ${folder} is not a tuned embedder (no meta.json): see \`attune models list\``,
      { input: folder },
    );
  return true;
}

/**
 * rag-ft-retriever's collection: `from` (in the compare's work home) re-embedded with the tuned embedder into `to`,
 * once per content and embedder (a rerun reuses it). The copy is one write, removed if it fails.
 */
export async function tunedRetrieverFor(ctx: {
  runtime: Runtime;
  cache: StepCache;
  folder: string;
  from: Store;
  to: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, detail: string) => void;
}): Promise<{ store: Store; embedder: Embedder; chunks: number; cached: boolean }> {
  const embedder = await ctx.runtime.embedderFor({ provider: 'transformers', model: ctx.folder });
  const meta = JSON.parse(await readFile(join(ctx.folder, 'meta.json'), 'utf8')) as EmbedderMeta;
  const documents = await ctx.from.documents();
  const key = contentHash(
    'reembed v1',
    documents.map((d) => [d.docId, d.docHash]),
    meta.data.sha256,
    meta.createdAt,
  );
  const done = await ctx.cache.get<{ chunks: number }>(`reembed-${ctx.to}`, key);
  const exists = (await ctx.runtime.collections()).includes(ctx.to);
  if (!done || !exists) {
    if (exists) await ctx.runtime.deleteCollection(ctx.to);
    const result = await copyCollection({
      home: ctx.runtime.home,
      from: ctx.from.collection,
      fromUrl: ctx.runtime.config.store,
      toUrl: ctx.runtime.config.store,
      toCollection: ctx.to,
      embedder,
      signal: ctx.signal,
      onProgress: (d, t) => ctx.onProgress?.(d, t, `re-embedding with ${basename(ctx.folder)}`),
    });
    await ctx.cache.set(`reembed-${ctx.to}`, key, { chunks: result.chunks });
  }
  const store = await ctx.runtime.store(ctx.to, { embedder });
  return { store, embedder, chunks: done?.chunks ?? documents.reduce((n, d) => n + d.chunks, 0), cached: !!done };
}

/**
 * The tuned embedder's training questions that leak a held-out question of the compare (the same test as the
 * adapters' training data): rag-ft-retriever's score is then not a fair held-out score, and the report says so.
 */
export async function tunedEmbedderLeaks(folder: string, heldOut: Question[]): Promise<number> {
  const file = join(folder, 'train-pairs.jsonl');
  if (!existsSync(file)) return 0;
  const rows = readJsonLines<TrainingRow>(await readFile(file, 'utf8'));
  // only the question is checked: the passage is the corpus's own text, which rag retrieves anyway
  const pairs = rows.map((row, i) => ({ line: i + 1, prompt: row.anchor, completion: '' }));
  return new Set(findLeaks(pairs, heldOut).map((leak) => leak.questionId)).size;
}

/** The compare step before training: rag-ft-retriever's collection, and a warning when the embedder saw held-out questions. */
export async function reembedStep(
  ctx: {
    runtime: Runtime;
    cache: StepCache;
    options: Pick<CompareOptions, 'tunedEmbedder' | 'signal'>;
    from: Store;
    questions: Question[];
    warnings: string[];
  },
  step: {
    start: (step: string) => void;
    progress: (done: number, total: number, detail?: string) => void;
    finish: (cached: boolean, detail: string) => void;
  },
): Promise<{ store: Store; embedder: Embedder }> {
  step.start('re-embed');
  const folder = ctx.options.tunedEmbedder!;
  const made = await tunedRetrieverFor({
    ...ctx,
    folder,
    to: `${ctx.from.collection}-ft-retriever`,
    signal: ctx.options.signal,
    onProgress: step.progress,
  });
  const leaks = await tunedEmbedderLeaks(folder, ctx.questions);
  if (leaks)
    ctx.warnings.push(
      `rag-ft-retriever: the tuned embedder ${made.embedder.id} was trained on questions that leak ${leaks} held-out question(s); its score is not a held-out score`,
    );
  step.finish(
    made.cached,
    `${made.chunks} chunks embedded with ${made.embedder.id}${leaks ? `; ${leaks} held-out question(s) leaked into its training` : ''}`,
  );
  return { store: made.store, embedder: made.embedder };
}
