import type { Context } from 'hono';
import type { z } from 'zod';
import { UsageError } from '../errors.ts';
import { UploadError } from './http-errors.ts';
import { describeIssue } from './schemas.ts';

/** Parses a JSON body with its schema: a 400 with one line naming the field otherwise. */
export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  // a browser form cannot send application/json cross-origin without a preflight: no CSRF by text/plain
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new UploadError(`send the body as JSON with content-type: application/json (got "${type || 'none'}")`, 415);
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
