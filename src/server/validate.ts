import type { Context } from 'hono';
import type { z } from 'zod';
import { UsageError } from '../errors.ts';
import { describeIssue } from './schemas.ts';

/** Parses a JSON body with its schema: a 400 with one line naming the field otherwise. */
export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new UsageError('the request body must be JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(describeIssue(parsed.error));
  return parsed.data;
}
