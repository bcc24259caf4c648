import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { CONFIG_FILE } from '../paths.ts';
import { modelSpecProblem } from '../models/resolve.ts';
import { TrainingLaunchSchema } from '../tune/launch.ts';

/** Most llama.cpp sequences one context may answer at once (`generator.parallel`, `serve --parallel`): each holds its own KV cache. */
export const MAX_PARALLEL = 64;

const LlamaGeneratorConfig = z
  .object({
    provider: z.literal('llama'),
    /** A catalog model name (`attune models list`) or a GGUF file path; default: the pulled SmolLM2-135M-Instruct. */
    model: z
      .string()
      .superRefine((value, ctx) => {
        const problem = modelSpecProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    contextSize: z.number().int().positive().optional(),
    threads: z.number().int().positive().optional(),
    /** Most LoRA adapters kept loaded at once (each holds a llama.cpp context); least recently used ones are unloaded. */
    maxAdapters: z.number().int().positive().optional(),
    /**
     * Requests answered at once on one context (llama.cpp sequences, batched together; default 1). Each holds its own
     * contextSize of KV cache. `attune serve --parallel N` sets it and lets its queue run N chats at once.
     */
    parallel: z.number().int().positive().max(MAX_PARALLEL).optional(),
  })
  .strict();

const OpenAIGeneratorConfig = z
  .object({
    provider: z.literal('openai'),
    model: z.string(),
    baseURL: z.url(),
    /** Name of the environment variable that holds the key (the key itself never goes in the file). */
    apiKeyEnv: z.string().optional(),
    contextSize: z.number().int().positive().optional(),
    timeoutMs: z.number().int().positive().optional(),
    /**
     * A hosted engine with runtime LoRA loading (vLLM --enable-lora, VLLM_ALLOW_RUNTIME_LORA_UPDATING=True): the adapters a
     * command uses (ft, ft-rag, raft) are loaded into it by name from their PEFT folders before the first answer.
     */
    loadAdapters: z.boolean().optional(),
    /** The attune home's adapters/ folder as the engine's file system sees it (default: the same path). */
    adaptersPathOnServer: z.string().optional(),
  })
  .strict();

const TransformersEmbedderConfig = z
  .object({
    provider: z.literal('transformers'),
    /** Folder name under the models cache, or an absolute folder, in transformers.js layout. */
    model: z.string().optional(),
    /** Weights: fp32 (default), or q8 = onnx/model_quantized.onnx (int8 MatMul weights; `attune models pull` makes it for the default embedder). */
    dtype: z.enum(['fp32', 'fp16', 'q8', 'int8']).optional(),
  })
  .strict();

const OpenAIEmbedderConfig = z
  .object({
    provider: z.literal('openai'),
    model: z.string(),
    baseURL: z.url(),
    apiKeyEnv: z.string().optional(),
    dimension: z.number().int().positive().optional(),
    maxTokens: z.number().int().positive().optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    generator: z
      .discriminatedUnion('provider', [LlamaGeneratorConfig, OpenAIGeneratorConfig])
      .default({ provider: 'llama' }),
    embedder: z
      .discriminatedUnion('provider', [TransformersEmbedderConfig, OpenAIEmbedderConfig])
      .default({ provider: 'transformers' }),
    chunking: z
      .object({
        maxTokens: z.number().int().min(16).max(8192).default(200),
        overlapTokens: z.number().int().min(0).default(32),
        /**
         * Embed and keyword-index each chunk with its document title and heading path above it ("Title > Section",
         * chunk.ts `headedText`); the stored and shown text stays the chunk's own. Every document records the
         * chunking settings it was chunked with, so the next ingest after a change re-chunks them all. Default off.
         */
        contextHeaders: z.boolean().optional(),
      })
      .strict()
      .default({ maxTokens: 200, overlapTokens: 32 }),
    retrieval: z
      .object({
        k: z.number().int().positive().default(4),
        mode: z.enum(['hybrid', 'vector', 'keyword']).default('hybrid'),
        /** Below this cosine similarity (best hit) and with no keyword match, `rag` abstains without asking the model. */
        minVectorScore: z.number().min(-1).max(1).default(0.3),
        /** Re-rank the retrieved candidates with the generator (a pointwise LLM grader) before answering or returning them. */
        rerank: z.boolean().default(false),
        /** Candidates fetched for the reranker to grade (default 3 × k); one short generation each. */
        rerankCandidates: z.number().int().positive().max(200).optional(),
        /**
         * How hybrid search fuses its vector and keyword lists (store/fusion.ts); omitted → convex w=0.5 (store/fusion.ts DEFAULT_FUSION).
         * `weight` is the vector list's share, the keyword list gets 1 − weight. `attune tune-retrieval` writes it.
         */
        fusion: z
          .object({
            method: z.enum(['rrf', 'weighted-rrf', 'convex']),
            weight: z.number().min(0).max(1).optional(),
            k: z.number().positive().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ k: 4, mode: 'hybrid', minVectorScore: 0.3, rerank: false }),
    /** Where collections live: omitted → embedded LanceDB under the home; `postgres://…` → Postgres/pgvector. */
    store: z.string().optional(),
    /**
     * Memory the embedded store may keep cached per open collection, in MiB (default 160: 128 for index data,
     * 32 for file metadata; LanceDB's own defaults are 6 GiB and 1 GiB). A 100k-chunk collection with its HNSW
     * index used 74 MB (BENCHMARKS.md, bench:scale); raise it for collections of millions of chunks.
     */
    storeCacheMB: z.number().int().min(8).max(1_048_576).optional(),
    /** `attune tune` on many processes, GPUs or machines (Hugging Face accelerate; see README "Training on many GPUs"). */
    training: TrainingLaunchSchema.optional(),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
/** Retrieval settings as a library caller writes them: re-ranking is off unless asked for. */
export type RetrievalSettings = Omit<Config['retrieval'], 'rerank'> & { rerank?: boolean };

export { CONFIG_FILE } from '../paths.ts';

/** Loads `attune.config.json` (or the file given) once, at the edge; missing file → defaults. */
export function loadConfig(options: { path?: string; cwd?: string; overrides?: Partial<Config> } = {}): Config {
  const path = resolve(options.cwd ?? process.cwd(), options.path ?? CONFIG_FILE);
  let raw: unknown = {};
  if (existsSync(path)) {
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new UsageError(`${path}: not valid JSON: ${(error as Error).message}`, { input: path });
    }
  } else if (options.path) {
    throw new UsageError(`config file not found: ${path}`, { input: path });
  }
  return parseConfig({ ...(raw as object), ...options.overrides }, path);
}

export function parseConfig(raw: unknown, source = 'config'): Config {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${source}: field "${issue.path.join('.') || '(root)'}": ${issue.message}`, { input: source });
  }
  return parsed.data;
}
