import { serve, type ServerType } from '@hono/node-server';
import { UsageError } from '../errors.ts';
import { createApp, type AppOptions, type AttuneApp } from './app.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host);
}

export interface RunningServer extends AttuneApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the HTTP server; resolves once it listens. `port: 0` picks a free port. */
export async function startServer(options: AppOptions & { host: string; port: number }): Promise<RunningServer> {
  if (!options.auth && !isLoopback(options.host)) {
    throw new UsageError(`--no-auth is only allowed on a loopback host (127.0.0.1, ::1), not "${options.host}"`);
  }
  const attune = createApp(options);
  let server!: ServerType;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: attune.app.fetch, hostname: options.host, port: options.port }, (info) =>
      resolve(info.port),
    );
    server.once('error', reject);
  });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    ...attune,
    url: `http://${host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await attune.jobs.close();
      await options.resources.dispose();
    },
  };
}
