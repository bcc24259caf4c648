import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll } from 'vitest';
import { startPgliteServer, type PgliteServer } from '../testing/pglite-server.ts';
import { openDatabase } from './database.ts';
import { describeSqlDatabaseContract } from './sql-database.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'attune-sql-contract-'));
let server: PgliteServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeSqlDatabaseContract('sqlite', {
  async make(fixture) {
    const path = join(dir, 'contract.sqlite');
    const setup = new DatabaseSync(path);
    for (const statement of fixture) setup.exec(statement);
    setup.close();
    return openDatabase(`sqlite:${path}`);
  },
});

// PGlite (single-threaded WASM Postgres) does not interrupt a running statement, so the runaway
// test is skipped here; postgres-database.test.ts checks that each query runs under the
// statement_timeout it was given, which a real Postgres server enforces.
describeSqlDatabaseContract('postgres (PGlite)', {
  cancelsRunaway: false,
  async make(fixture) {
    server = await startPgliteServer();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    for (const statement of fixture) await client.query(statement);
    await client.end();
    return openDatabase(server.url);
  },
});
