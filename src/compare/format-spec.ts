import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UsageError } from '../errors.ts';

/**
 * A wanted answer format (customization): a JSON schema the answer must satisfy, a regular expression it
 * must match, or example answers in the wanted style (length and sentence shape).
 */
const JsonSchemaNode: z.ZodType<JsonSchema> = z.lazy(() =>
  z.object({
    type: z.enum(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']).optional(),
    properties: z.record(z.string(), JsonSchemaNode).optional(),
    required: z.array(z.string()).optional(),
    items: JsonSchemaNode.optional(),
    enum: z.array(z.unknown()).optional(),
  }),
);
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
}

export const FormatSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('json-schema'), schema: JsonSchemaNode }),
  z.object({ kind: z.literal('regex'), pattern: z.string().min(1), flags: z.string().optional() }),
  z.object({ kind: z.literal('examples'), answers: z.array(z.string().min(1)).min(1) }),
]);
export type FormatSpec = z.infer<typeof FormatSpecSchema>;

export async function readFormatSpec(file: string): Promise<FormatSpec> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--format ${file}: ${(error as Error).message}`, { input: file });
  }
  const parsed = FormatSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      `--format ${file} field "${issue.path.join('.') || 'kind'}": ${issue.message} (expected {"kind":"json-schema","schema":{…}} | {"kind":"regex","pattern":"…"} | {"kind":"examples","answers":[…]})`,
      { input: file },
    );
  }
  if (parsed.data.kind === 'regex') {
    try {
      new RegExp(parsed.data.pattern, parsed.data.flags);
    } catch (error) {
      throw new UsageError(`--format ${file} field "pattern": ${(error as Error).message}`, { input: file });
    }
  }
  return parsed.data;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The subset of JSON Schema most format specs use: type, properties, required, items, enum. */
export function matchesSchema(value: unknown, schema: JsonSchema): boolean {
  if (schema.enum && !schema.enum.some((v) => JSON.stringify(v) === JSON.stringify(value))) return false;
  if (schema.type) {
    const actual = typeOf(value);
    if (!(actual === schema.type || (schema.type === 'number' && actual === 'integer'))) return false;
  }
  if (schema.type === 'object' || schema.properties) {
    if (typeOf(value) !== 'object') return false;
    const object = value as Record<string, unknown>;
    if ((schema.required ?? []).some((key) => !(key in object))) return false;
    for (const [key, sub] of Object.entries(schema.properties ?? {}))
      if (key in object && !matchesSchema(object[key], sub)) return false;
  }
  if (schema.items && Array.isArray(value)) return value.every((item) => matchesSchema(item, schema.items!));
  return true;
}

const wordCount = (text: string) => text.trim().split(/\s+/).filter(Boolean).length;
const sentenceCount = (text: string) => text.split(/[.!?](\s|$)/).filter((s) => s.trim().length > 0).length;

/** 1 when the answer follows the format, 0 when it does not. */
export function adheres(answer: string, spec: FormatSpec): number {
  const text = answer.trim();
  if (spec.kind === 'regex') return new RegExp(spec.pattern, spec.flags).test(text) ? 1 : 0;
  if (spec.kind === 'json-schema') {
    try {
      return matchesSchema(JSON.parse(text), spec.schema) ? 1 : 0;
    } catch {
      return 0;
    }
  }
  // examples: within the examples' length range (with 50% slack) and no more sentences than the longest example
  const lengths = spec.answers.map(wordCount);
  const words = wordCount(text);
  const sentences = Math.max(...spec.answers.map(sentenceCount));
  return words >= Math.floor(Math.min(...lengths) / 2) &&
    words <= Math.ceil(Math.max(...lengths) * 1.5) &&
    sentenceCount(text) <= sentences
    ? 1
    : 0;
}

export function describeFormat(spec: FormatSpec): string {
  if (spec.kind === 'regex') return `matches /${spec.pattern}/${spec.flags ?? ''}`;
  if (spec.kind === 'json-schema') return 'valid JSON for the given schema';
  return `like the ${spec.answers.length} example answer(s) (${Math.min(...spec.answers.map(wordCount))}–${Math.max(...spec.answers.map(wordCount))} words)`;
}
