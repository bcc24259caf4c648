import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { isCompareOnly, STRATEGY_CATALOG, strategySpec } from '../answer/catalog.ts';
import { createStrategy } from '../answer/create-strategy.ts';
import type { Strategy } from '../answer/strategy.ts';
import { UsageError } from '../errors.ts';
import type { Answer, ChatMessage } from '../types.ts';
import { authorize, labelFilter, publicSource, type ServerContext, type ServerEnv } from './context.ts';
import type { FairQueue } from './fair-queue.ts';
import { canAccessCollection, type KeyScope } from './keys.ts';
import type { Runtime } from '../runtime/runtime.ts';
import { requireServableAdapter, requireVisibleAdapter, visibleAdapters } from './adapter-access.ts';
import type { AdapterServingOptions } from './adapter-routes.ts';
import { ChatCompletionRequest, EmbeddingsRequest } from './schemas.ts';
import { parseBody } from './validate.ts';

export interface ModelName {
  collection?: string;
  strategy: string;
  adapter?: string;
}

/** `attune/base` or `attune/<collection>/<strategy>[/<adapter>]`. */
export function parseModelName(model: string): ModelName {
  const parts = model.split('/');
  if (parts[0] === 'attune' && parts.length === 2 && parts[1] === 'base') return { strategy: 'base' };
  if (parts[0] !== 'attune' || parts.length < 3 || parts.length > 4 || parts.some((p) => p === '')) {
    throw new UsageError(
      `field "model": expected attune/base or attune/<collection>/<strategy>[/<adapter>], got "${model}" (see GET /v1/models)`,
    );
  }
  return { collection: parts[1], strategy: parts[2]!, adapter: parts[3] };
}

/** The extension field on responses: what the answer rests on (only chunks the key may see; server paths only for admins). */
export function attuneExtension(answer: Answer, scope: KeyScope) {
  return {
    abstained: answer.abstained,
    ...(answer.retrievalQuery ? { retrievalQuery: answer.retrievalQuery } : {}),
    citations: answer.citations.map((citation) => publicSource(scope, citation)),
    retrieved: answer.retrieved.map(({ chunkId, docId, source, title, headingPath, page, text, score }) =>
      publicSource(scope, { chunkId, docId, source, title, headingPath, page, text, score }),
    ),
    timings: answer.timings,
  };
}

function textOf(message: ChatCompletionRequest['messages'][number]): string {
  return typeof message.content === 'string'
    ? message.content
    : (message.content ?? []).map((part) => part.text).join('\n');
}

/** The last user message is the question; the user and assistant turns before it are the history a follow-up refers to. */
function questionOf(request: ChatCompletionRequest): { question: string; history: ChatMessage[] } {
  const index = request.messages.findLastIndex((m) => m.role === 'user');
  const text = index < 0 ? '' : textOf(request.messages[index]!);
  if (!text.trim()) throw new UsageError('field "messages": needs a user message with text');
  const history = request.messages
    .slice(0, index)
    .filter((m): m is typeof m & { role: 'user' | 'assistant' } => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role, content: textOf(m) }))
    .filter((m) => m.content.trim());
  return { question: text, history };
}

export function openaiRoutes(
  resources: Runtime,
  queue: FairQueue,
  serving: AdapterServingOptions = {},
): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  app.get('/models', async (c) => {
    const scope = authorize(c, 'read');
    const created = Math.floor(Date.now() / 1000);
    const adapters = visibleAdapters(resources, scope);
    const ids = ['attune/base'];
    for (const collection of (await resources.collections()).filter((name) => canAccessCollection(scope, name))) {
      ids.push(
        ...STRATEGY_CATALOG.filter((s) => s.collection && !s.adapter && !isCompareOnly(s.name)).map(
          (s) => `attune/${collection}/${s.name}`,
        ),
      );
      for (const adapter of adapters)
        ids.push(...STRATEGY_CATALOG.filter((s) => s.adapter).map((s) => `attune/${collection}/${s.name}/${adapter}`));
    }
    return c.json({ object: 'list', data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'attune' })) });
  });

  app.post('/embeddings', async (c) => {
    const scope = authorize(c, 'read');
    const body = await parseBody(c, EmbeddingsRequest);
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    const embedder = await resources.embedder();
    // the model queue: embeddings take the CPU that chat needs, so they wait their turn (and get 429 when it is full)
    queue.assertRoom();
    const vectors = await queue.run(
      scope.id,
      () => (c.req.raw.signal.throwIfAborted(), embedder.embed(inputs, { signal: c.req.raw.signal })),
    );
    const tokens = inputs.reduce((sum, text) => sum + embedder.countTokens(text), 0);
    return c.json({
      object: 'list',
      model: embedder.id,
      // the openai client asks for base64: little-endian float32 bytes
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding:
          body.encoding_format === 'base64'
            ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
            : Array.from(vector),
      })),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

  app.post('/chat/completions', async (c) => {
    const body = await parseBody(c, ChatCompletionRequest);
    const model = parseModelName(body.model);
    const scope = authorize(c, 'read', model.collection);
    strategySpec(model.strategy, 'field "model"');
    if (model.adapter) {
      requireVisibleAdapter(resources, scope, model.adapter);
      requireServableAdapter(resources, model.adapter, serving);
    }
    const { question, history } = questionOf(body);
    const strategy = await buildStrategy(c, resources, model, body.max_completion_tokens ?? body.max_tokens ?? 128);
    queue.assertRoom();
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const signal = c.req.raw.signal;
    const options = { temperature: body.temperature, seed: body.seed, signal, history };

    if (!body.stream) {
      const answer = await queue.run(scope.id, () => (signal.throwIfAborted(), strategy.answer(question, options)));
      return c.json({
        id,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: answer.answer },
            finish_reason: answer.finishReason ?? 'stop',
            logprobs: null,
          },
        ],
        usage: usageOf(answer),
        attune: attuneExtension(answer, scope),
      });
    }

    return streamSSE(c, async (stream) => {
      const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        stream.writeSSE({
          data: JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model: body.model,
            choices: [{ index: 0, delta, finish_reason: null, logprobs: null }],
            ...extra,
          }),
        });
      await chunk({ role: 'assistant', content: '' });
      let writes = Promise.resolve();
      let streamed = false;
      try {
        const answer = await queue.run(scope.id, () => {
          signal.throwIfAborted();
          return strategy.answer(question, {
            ...options,
            onToken: (text) => ((streamed = true), (writes = writes.then(() => chunk({ content: text })))),
          });
        });
        await writes;
        // a strategy that abstains without the model (nothing retrieved) streamed no tokens
        if (!streamed && answer.answer) await chunk({ content: answer.answer });
        await stream.writeSSE({
          data: JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model: body.model,
            choices: [{ index: 0, delta: {}, finish_reason: answer.finishReason ?? 'stop', logprobs: null }],
            usage: usageOf(answer),
            attune: attuneExtension(answer, scope),
          }),
        });
      } catch (error) {
        await stream.writeSSE({
          data: JSON.stringify({ error: { message: publicMessage(error), type: 'server_error' } }),
        });
      }
      await stream.writeSSE({ data: '[DONE]' });
    });
  });

  return app;
}

function usageOf(answer: Answer) {
  const { promptTokens, completionTokens } = answer.usage;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function publicMessage(error: unknown): string {
  return error instanceof UsageError ? error.message : 'the answer failed';
}

async function buildStrategy(
  c: ServerContext,
  resources: Runtime,
  model: ModelName,
  maxTokens: number,
): Promise<Strategy> {
  const scope = c.get('scope');
  const generator = await resources.generator();
  if (!strategySpec(model.strategy).collection)
    return createStrategy(model.strategy, { generator }, { adapter: model.adapter, maxTokens });
  if (!model.collection)
    throw new UsageError(
      `field "model": strategy ${model.strategy} needs a collection: attune/<collection>/${model.strategy}`,
    );
  const [store, embedder] = await Promise.all([resources.store(model.collection), resources.embedder()]);
  return createStrategy(
    model.strategy,
    { generator, store, embedder, retrieval: resources.config.retrieval, filter: labelFilter(scope) },
    { adapter: model.adapter, maxTokens },
  );
}
