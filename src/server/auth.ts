import type { MiddlewareHandler } from 'hono';
import type { ServerEnv } from './context.ts';
import { AuthError } from './http-errors.ts';
import { KeyVerifier, type KeyScope } from './keys.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Used when the server runs with --no-auth (loopback only): every request is the local admin. */
export const LOCAL_SCOPE: KeyScope = {
  id: 'local',
  name: 'local (no auth)',
  collections: ['*'],
  ops: ['read', 'ingest', 'admin'],
  labels: undefined,
};

/** Resolves `Authorization: Bearer <key>` (or `x-api-key`) to a scope; 401 otherwise. Then the rate limit. */
export function authenticate(options: {
  home: string;
  auth: boolean;
  rateLimiter?: RateLimiter;
}): MiddlewareHandler<ServerEnv> {
  const verifier = new KeyVerifier(options.home);
  return async (c, next) => {
    let scope: KeyScope | undefined = LOCAL_SCOPE;
    if (options.auth) {
      const header = c.req.header('authorization') ?? '';
      const presented = header.toLowerCase().startsWith('bearer ')
        ? header.slice(7).trim()
        : (c.req.header('x-api-key') ?? '');
      scope = presented ? verifier.verify(presented) : undefined;
      if (!scope) throw new AuthError('unauthorized');
    }
    options.rateLimiter?.take(scope.id);
    c.set('scope', scope);
    await next();
  };
}
