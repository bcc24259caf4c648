import type { RetrievalSettings } from '../config/config.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Generator } from '../generate/generator.ts';
import type { Reranker } from '../retrieve/reranker.ts';
import { retrieve, type Retrieval } from '../retrieve/retrieve.ts';
import type { Store } from '../store/store.ts';
import type { Answer, SearchFilter } from '../types.ts';
import { extractCitations } from './citations.ts';
import { finishReason } from './base-strategy.ts';
import { rewriteQuery } from './conversation.ts';
import { ABSTAIN_ANSWER, buildRagMessages, isAbstention } from './prompt.ts';
import type { AnswerOptions, Strategy } from './strategy.ts';
import { llmReranker } from '../retrieve/llm-reranker.ts';

export interface RagDeps {
  store: Store;
  embedder: Embedder;
  generator: Generator;
  retrieval: RetrievalSettings;
  reranker?: Reranker;
  /** Applied inside the store query: e.g. the access labels the caller holds. */
  filter?: SearchFilter;
}

/**
 * Cosine similarity of the closest visible chunk: the evidence that the collection covers the
 * question. The retrieval's own hits carry their vector scores: in vector search the first is the
 * closest chunk, and once any hit clears the bar the closest one does too. Only a hybrid search
 * whose hits all fall below it asks the store again, since fusion may have ranked the closest
 * chunk out of the top k (the answer is then the same as with a separate vector query).
 */
async function coverage(deps: RagDeps, retrieval: Retrieval, signal?: AbortSignal): Promise<number> {
  const best = retrieval.bestVectorScore ?? -1;
  if (deps.retrieval.mode === 'vector' || best >= deps.retrieval.minVectorScore) return best;
  signal?.throwIfAborted();
  const [closest] = await deps.store.search({ mode: 'vector', vector: retrieval.vector!, k: 1, filter: deps.filter });
  return closest?.score ?? -1;
}

export interface RagStrategyOptions {
  name?: string;
  /** LoRA adapter (ft-rag, raft). */
  adapter?: string;
  maxTokens?: number;
}

/** Retrieve, then answer from the numbered documents with citations — or abstain. */
export function ragStrategy(deps: RagDeps, options: RagStrategyOptions = {}): Strategy {
  // retrieval.rerank (config, `--rerank`): the generator grades the candidates unless a reranker is given
  const reranker = deps.reranker ?? (deps.retrieval.rerank ? llmReranker(deps.generator) : undefined);
  return {
    name: options.name ?? (options.adapter ? 'ft-rag' : 'rag'),
    async answer(question: string, call: AnswerOptions = {}): Promise<Answer> {
      const started = performance.now();
      const { k, mode, minVectorScore } = deps.retrieval;
      // a follow-up ("and in children?") is searched, and answered, as the standalone question it stands for
      const rewrite = call.history?.length
        ? await rewriteQuery(deps.generator, call.history, question, { signal: call.signal })
        : undefined;
      const query = rewrite?.query ?? question;
      const rewriteUsage = rewrite?.usage ?? { promptTokens: 0, completionTokens: 0 };
      const retrievalQuery = rewrite && rewrite.source !== 'none' ? { retrievalQuery: query } : {};
      const retrieval = await retrieve(deps.store, deps.embedder, query, {
        k,
        mode,
        filter: deps.filter,
        fusion: deps.retrieval.fusion,
        reranker,
        candidates: deps.retrieval.rerankCandidates,
        signal: call.signal,
      });
      const hits = retrieval.hits;
      const retrieveMs = retrieval.timings.embedMs + retrieval.timings.searchMs;
      const rerankMs = retrieval.timings.rerankMs;
      const supported =
        hits.length > 0 && (mode === 'keyword' || (await coverage(deps, retrieval, call.signal)) >= minVectorScore);
      if (!supported) {
        // nothing relevant was found: abstain without asking the model to guess
        return {
          answer: ABSTAIN_ANSWER,
          abstained: true,
          citations: [],
          retrieved: hits,
          timings: { retrieveMs, rerankMs, generateMs: 0, firstTokenMs: null, totalMs: performance.now() - started },
          usage: rewriteUsage,
          ...retrievalQuery,
        };
      }
      const maxTokens = options.maxTokens ?? 64;
      const result = await deps.generator.generate({
        messages: buildRagMessages(query, hits),
        maxTokens,
        temperature: call.temperature ?? 0,
        seed: call.seed,
        adapter: options.adapter,
        signal: call.signal,
        onToken: call.onToken,
      });
      const abstained = isAbstention(result.text);
      return {
        answer: result.text,
        abstained,
        citations: abstained ? [] : extractCitations(result.text, hits),
        retrieved: hits,
        timings: {
          retrieveMs,
          rerankMs,
          generateMs: result.totalMs,
          firstTokenMs: result.firstTokenMs,
          totalMs: performance.now() - started,
        },
        usage: {
          promptTokens: result.usage.promptTokens + rewriteUsage.promptTokens,
          completionTokens: result.usage.completionTokens + rewriteUsage.completionTokens,
        },
        finishReason: finishReason(result.usage.completionTokens, maxTokens),
        ...retrievalQuery,
      };
    },
  };
}
