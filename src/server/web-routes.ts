import { readFileSync } from 'node:fs';
import { Hono } from 'hono';

const files: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/charts.js': 'charts.js',
  '/evaluations.js': 'evaluations.js',
  '/style.css': 'style.css',
};
const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The web UI: static files from src/web, read once; no build step, nothing from a CDN. */
export function webRoutes(): Hono {
  const app = new Hono();
  const loaded = Object.entries(files).map(
    ([route, file]) => [route, file, readFileSync(new URL(`../web/${file}`, import.meta.url), 'utf8')] as const,
  );
  for (const [route, file, text] of loaded) {
    app.get(route, (c) => {
      c.header('content-type', types[file.split('.').at(-1)!]!);
      c.header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
      );
      c.header('x-content-type-options', 'nosniff');
      c.header('cache-control', 'no-cache');
      return c.body(text);
    });
  }
  return app;
}
