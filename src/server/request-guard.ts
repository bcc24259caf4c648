import type { MiddlewareHandler } from 'hono';
import { ForbiddenError } from './http-errors.ts';

/** Host names a loopback server answers to; anything else is a DNS-rebinding attempt. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]', '::1'];

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The host name of a Host header or an origin, lower case, without the port. */
export function hostName(value: string): string {
  const host = value.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':')[0]!;
}

export interface GuardOptions {
  /** Host names the server answers to; undefined → any (the API keys guard the server). */
  allowedHosts?: string[];
}

/**
 * Against CSRF and DNS rebinding (what makes `--no-auth` safe to run next to a browser): the Host
 * header must name an allowed host, and a state-changing request sent by a browser from another
 * origin (its Origin header, or Sec-Fetch-Site: cross-site) is refused. Clients that are not
 * browsers send neither header and pass.
 */
export function requestGuard(options: GuardOptions): MiddlewareHandler {
  const allowed = options.allowedHosts?.map((host) => hostName(host));
  return async (c, next) => {
    // @hono/node-server builds the URL from the Host header
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (allowed && (!host || !allowed.includes(hostName(host))))
      throw new ForbiddenError(`host "${host ?? ''}" is not served here`);
    if (STATE_CHANGING.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin !== undefined && (origin === 'null' || !host || !sameHost(origin, host)))
        throw new ForbiddenError('cross-origin request refused');
      if (c.req.header('sec-fetch-site') === 'cross-site') throw new ForbiddenError('cross-origin request refused');
    }
    await next();
  };
}

function sameHost(origin: string, host: string): boolean {
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}
