import { z } from 'zod';

/**
 * Request bodies, validated once at the edge. The web UI reads the same schemas as JSON Schema
 * from `GET /v1/schemas` and shows the server's validation messages.
 */
export const CollectionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, "-" and "_", at most 64, starting with a letter or digit');

const ContentPart = z.object({ type: z.literal('text'), text: z.string() });
export const ChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'developer', 'tool']),
  content: z.union([z.string(), z.array(ContentPart)]).nullable(),
});

export const ChatCompletionRequest = z.object({
  /** `attune/base` or `attune/<collection>/<strategy>[/<adapter>]`. */
  model: z.string().min(1),
  messages: z.array(ChatMessageSchema).min(1).max(64),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().max(1024).optional(),
  max_completion_tokens: z.number().int().positive().max(1024).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const EmbeddingsRequest = z.object({
  model: z.string().min(1),
  input: z.union([z.string().min(1).max(20_000), z.array(z.string().min(1).max(20_000)).min(1).max(128)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
});

export const CreateCollectionRequest = z.object({ name: CollectionName });

export const SearchRequest = z.object({
  query: z.string().min(1).max(4000),
  k: z.number().int().min(1).max(50).optional(),
  mode: z.enum(['hybrid', 'vector', 'keyword']).optional(),
});
export type SearchRequest = z.infer<typeof SearchRequest>;

const Label = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'labels are 1-64 of letters, digits, "_.:-"');
/** Form fields beside the uploaded files: comma-separated lists. */
export const UploadFields = z.object({
  labels: z.array(Label).max(32),
  tags: z.array(Label).max(32),
});

export const EvalStartRequest = z.object({
  collection: CollectionName,
  dataset: z.string().min(1).max(500),
  strategies: z.array(z.string()).min(1).max(8).optional(),
  adapter: z.string().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
});

export const schemas = {
  ChatCompletionRequest,
  EmbeddingsRequest,
  CreateCollectionRequest,
  SearchRequest,
  UploadFields,
  EvalStartRequest,
};

/** Every body schema as JSON Schema, for the UI and for clients. */
export function jsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, z.toJSONSchema(schema, { unrepresentable: 'any' })]));
}

/** The first issue as one line: `field "x": reason`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `field "${issue.path.join('.') || '(body)'}": ${issue.message}`;
}
