import { z } from 'zod';
import { ADAPTER_STRATEGIES, STRATEGY_NAMES, usesCollection, type StrategyName } from '../answer/catalog.ts';
import { CONSIDERATIONS } from '../compare/recommend.ts';
import { QuestionSchema } from '../dataset/questions.ts';
import { CompareSettingsSchema } from '../compare/settings-schema.ts';
import { EvalSettingsSchema } from '../evaluate/settings-schema.ts';

/**
 * Request bodies, validated once at the edge. The web UI reads the same schemas as JSON Schema
 * from `GET /v1/schemas` and shows the server's validation messages.
 */
export const CollectionName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    'letters, digits, "-" and "_", at most 64, starting with a letter or digit',
  );

/** A message longer than the model's whole context cannot be answered; these caps keep tokenising cheap. */
export const MAX_MESSAGE_CHARS = 16_000;
const MAX_CONVERSATION_CHARS = 64_000;
const ContentPart = z.object({ type: z.literal('text'), text: z.string().max(MAX_MESSAGE_CHARS) });
export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']),
  content: z.union([z.string().max(MAX_MESSAGE_CHARS), z.array(ContentPart).max(16)]).nullable(),
});
const messageChars = (message: z.infer<typeof ChatMessageSchema>) =>
  typeof message.content === 'string'
    ? message.content.length
    : (message.content ?? []).reduce((sum, part) => sum + part.text.length, 0);

export const ChatCompletionRequest = z.object({
  /** `attune/base` or `attune/<collection>/<strategy>[/<adapter>]`. */
  model: z.string().min(1),
  messages: z
    .array(ChatMessageSchema)
    .min(1)
    .max(64)
    .refine(
      (messages) => messages.reduce((sum, m) => sum + messageChars(m), 0) <= MAX_CONVERSATION_CHARS,
      `the conversation is over ${MAX_CONVERSATION_CHARS} characters`,
    ),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().max(1024).optional(),
  max_completion_tokens: z.number().int().positive().max(1024).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const EmbeddingsRequest = z.object({
  model: z.string().min(1),
  input: z.union([
    z.string().min(1).max(20_000),
    z
      .array(z.string().min(1).max(20_000))
      .min(1)
      .max(128)
      .refine(
        (inputs) => inputs.reduce((sum, text) => sum + text.length, 0) <= 200_000,
        'the inputs are over 200,000 characters together',
      ),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});

export const CreateCollectionRequest = z.object({ name: CollectionName });

export const SearchRequest = z.object({
  query: z.string().min(1).max(4000),
  k: z.number().int().min(1).max(50).optional(),
  mode: z.enum(['hybrid', 'vector', 'keyword']).optional(),
  /** Re-rank the candidates with the generator (default: the server's retrieval.rerank). */
  rerank: z.boolean().optional(),
});
export type SearchRequest = z.infer<typeof SearchRequest>;

const Label = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'labels are 1-64 of letters, digits, "_.:-"');
/** Form fields beside the uploaded files: comma-separated lists. */
export const UploadFields = z.object({
  labels: z.array(Label).max(32),
  tags: z.array(Label).max(32),
});

const Strategy = z.enum(STRATEGY_NAMES);
const AdapterName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'an adapter name from GET /v1/adapters');
const unique = (values: string[]) => new Set(values).size === values.length;

/** `POST /v1/eval/runs`: the settings of `attune eval`, with the questions inline (the questions JSONL format, one object each). */
export const EvalStartRequest = z
  .object({
    collection: CollectionName.optional(),
    strategies: z.array(Strategy).min(1).max(STRATEGY_NAMES.length).refine(unique, 'a strategy is named twice'),
    questions: z
      .array(QuestionSchema)
      .min(1)
      .max(5000)
      .refine((qs) => unique(qs.map((q) => q.id)), 'question ids must be unique'),
    /** One adapter for every strategy with an adapter (ft, ft-rag, raft) … */
    adapter: AdapterName.optional(),
    /** … or one per strategy. */
    adapters: z
      .object(
        Object.fromEntries(ADAPTER_STRATEGIES.map((name) => [name, AdapterName])) as Record<
          StrategyName,
          typeof AdapterName
        >,
      )
      .partial()
      .optional(),
    ...EvalSettingsSchema.shape,
    /** Grade answers with the server's own generator as LLM judge (a remote judge is CLI-only). */
    judge: z.boolean().optional(),
  })
  .superRefine((body, context) => {
    const needing = body.strategies.filter(usesCollection);
    if (needing.length && !body.collection)
      context.addIssue({
        code: 'custom',
        path: ['collection'],
        message: `${needing.length > 1 ? 'strategies' : 'strategy'} ${needing.join(', ')} ${needing.length > 1 ? 'need' : 'needs'} a collection`,
      });
    for (const strategy of ADAPTER_STRATEGIES) {
      if (body.strategies.includes(strategy) && !body.adapters?.[strategy] && !body.adapter)
        context.addIssue({
          code: 'custom',
          path: ['adapters', strategy],
          message: `strategy ${strategy} needs an adapter ("adapter" or "adapters.${strategy}")`,
        });
    }
  });
export type EvalStartRequest = z.infer<typeof EvalStartRequest>;

const Priority = z.enum(['high', 'medium', 'low', 'ignore']);
/** A path on the server: absolute, or relative to the first data root; it must stay inside a data root. */
const DataPath = z.string().min(1).max(1000);

/** `POST /v1/eval/compare`: the settings of `attune compare`; the output goes to <home>/compare/<id>/. */
export const CompareStartRequest = z.object({
  corpus: DataPath,
  questions: DataPath,
  train: DataPath.optional(),
  update: DataPath.optional(),
  format: DataPath.optional(),
  strategies: z
    .array(Strategy)
    .min(2)
    .max(STRATEGY_NAMES.length)
    .refine(unique, 'a strategy is named twice')
    .optional(),
  priorities: z
    .object(
      Object.fromEntries(CONSIDERATIONS.map((name) => [name, Priority])) as Record<
        (typeof CONSIDERATIONS)[number],
        typeof Priority
      >,
    )
    .partial()
    .optional(),
  ...CompareSettingsSchema.omit({ maxMinutes: true, maxSeqLen: true }).shape,
});
export type CompareStartRequest = z.infer<typeof CompareStartRequest>;

export const schemas = {
  ChatCompletionRequest,
  EmbeddingsRequest,
  CreateCollectionRequest,
  SearchRequest,
  UploadFields,
  EvalStartRequest,
  CompareStartRequest,
};

/** Every body schema as JSON Schema, for the UI and for clients. */
export function jsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, z.toJSONSchema(schema, { unrepresentable: 'any' })]),
  );
}

/** The first issue as one line: `field "x": reason`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `field "${issue.path.join('.') || '(body)'}": ${issue.message}`;
}
