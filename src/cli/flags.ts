import type { z } from 'zod';
import { UsageError } from '../errors.ts';

/**
 * Command-line flags checked by the schema the server uses for the same settings: each string becomes a number
 * (a flag that is not one is refused, never read as a default), the schema's limits apply, and a refusal is one
 * line naming the flag. `flags` maps each schema key (dotted for a nested field) to its flag name and the raw text (undefined: not given).
 */
export function parseSettingsFlags<T extends z.ZodObject>(
  schema: T,
  flags: Record<string, { flag: string; value: string | undefined; kind?: 'number' | 'string' }>,
): z.infer<T> {
  const input: Record<string, unknown> = {};
  for (const [key, { flag, value, kind = 'number' }] of Object.entries(flags)) {
    if (value === undefined || value === '') continue;
    let parsed: unknown = value;
    if (kind === 'number') {
      parsed = Number(value.trim());
      if (value.trim() === '' || !Number.isFinite(parsed))
        throw new UsageError(`${flag} must be a number, got "${value}"`);
    }
    // "prices.inputPerMillion" sets a field of a nested object
    const path = key.split('.');
    let target = input;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = parsed;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.join('.');
  throw new UsageError(`${flags[key]?.flag ?? key}: ${issue.message}, got "${flags[key]?.value}"`);
}
