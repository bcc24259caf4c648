import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface PgliteServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` — connect with `pg` as to any server. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Postgres (PGlite, in-memory, with pgvector) on 127.0.0.1 at a free port, for tests and
 * benchmarks. PGlite is ONE backend session: the socket server accepts up to `maxConnections`
 * sockets and queues their protocol messages into that single session; while a transaction is
 * open, only messages from the socket that opened it run (the others wait in the queue), so
 * transactions from different pool clients are serialised rather than interleaved. Sockets
 * beyond `maxConnections` are refused by node's net server, so keep every pool's `max` summed
 * below it. Advisory locks never block (one session holds them all): the queue is the lock.
 */
export async function startPgliteServer(
  options: { maxConnections?: number; dataDir?: string } = {},
): Promise<PgliteServer> {
  const db = await PGlite.create(options.dataDir ?? 'memory://', { extensions: { vector } });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: options.maxConnections ?? 32,
  });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
