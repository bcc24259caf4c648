import type { StoreBackend } from '../backend.ts';

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

/** The driver (pg) and the store load on first use, so that commands on the embedded store start fast. */
const collections = () => import('./postgres-collections.ts');

/** Collections in Postgres/pgvector: `postgres://…` URLs. */
export const postgresBackend: StoreBackend = {
  matches: isPostgresUrl,
  open: async (options) => (await collections()).openCollection(options),
  list: async (_home, url) => (await collections()).listCollections(url!),
  remove: async (_home, name, url) => (await collections()).removeCollection(name, url!),
};
