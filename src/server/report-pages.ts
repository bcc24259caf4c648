import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { NotFoundError } from './http-errors.ts';

/**
 * Serves a self-contained HTML report (inline CSS and SVG, one small inline script): the script is allowed by
 * its hash only, and the page is sandboxed to an opaque origin, so nothing in it can reach the UI's stored key.
 */
export function htmlReport(c: Context, html: string): Response {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  c.header('content-type', 'text/html; charset=utf-8');
  c.header(
    'content-security-policy',
    `sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${hashes.join(' ') || "'none'"}; frame-ancestors 'none'`,
  );
  c.header('x-content-type-options', 'nosniff');
  c.header('cache-control', 'no-store');
  return c.body(html);
}

interface Link {
  render: () => Promise<string>;
  expires: number;
}

/**
 * Short-lived links to one report, for opening it in a browser tab (which cannot send the API key):
 * a key that may read the report asks for a link (`POST …/report-link`), the link itself is the capability.
 */
export class ReportLinks {
  readonly #links = new Map<string, Link>();
  readonly #ttlMs: number;

  constructor(options: { ttlMs?: number } = {}) {
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
  }

  create(render: () => Promise<string>): { url: string; expiresAt: string } {
    const now = Date.now();
    for (const [token, link] of this.#links) if (link.expires <= now) this.#links.delete(token);
    // bounded: the oldest links go first
    if (this.#links.size >= 1000) this.#links.delete(this.#links.keys().next().value!);
    const token = randomBytes(32).toString('base64url');
    this.#links.set(token, { render, expires: now + this.#ttlMs });
    return { url: `/reports/${token}`, expiresAt: new Date(now + this.#ttlMs).toISOString() };
  }

  async render(token: string): Promise<string> {
    const link = this.#links.get(token);
    if (!link || link.expires <= Date.now())
      throw new NotFoundError('report link not found or expired: open the report again from the UI');
    return link.render();
  }
}
