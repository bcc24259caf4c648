import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../embed/embedder.ts';
import { openDatabase } from './database.ts';
import { indexDatabase, loadOrIndex, resolveAdapter } from './workspace.ts';
import { loadSqlIndex } from './sql-index.ts';

const embedder: Embedder = {
  id: 'letters',
  dimension: 26,
  maxTokens: 512,
  countTokens: (text) => text.length,
  async embed(texts) {
    return texts.map((text) =>
      Float32Array.from(
        { length: 26 },
        (_, i) => [...text.toLowerCase()].filter((c) => c.charCodeAt(0) - 97 === i).length,
      ),
    );
  },
  async dispose() {},
};

describe('sql workspace', () => {
  it('re-indexing picks up schema changes; docs, examples and sample exclusions are stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attune-sqlws-'));
    const path = join(dir, 'shop.db');
    const writer = new DatabaseSync(path);
    writer.exec(
      "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, name TEXT); INSERT INTO customer VALUES (1, 'a@b.c', 'Ann');",
    );
    writeFileSync(join(dir, 'docs.md'), '# Customers\n\nA customer is anyone who ordered once.');
    writeFileSync(join(dir, 'ex.jsonl'), '{"question":"how many customers","sql":"SELECT count(*) FROM customer"}\n');
    const home = join(dir, 'home');
    const db = await openDatabase(`sqlite:${path}`);
    try {
      const first = await indexDatabase(home, db, embedder, {
        docs: join(dir, 'docs.md'),
        examples: join(dir, 'ex.jsonl'),
        excludeSamples: ['customer.email'],
      });
      expect(first.path).toBe(join(home, 'sql', db.id, 'index.json'));
      expect(first.index.cards.map((c) => c.kind).sort()).toEqual(['doc', 'example', 'table']);
      const card = first.index.cards.find((c) => c.kind === 'table')!.text;
      expect(card).toContain('Ann');
      expect(card).not.toContain('a@b.c');

      writer.exec(
        'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), total REAL)',
      );
      await indexDatabase(home, db, embedder);
      const second = loadSqlIndex(home, db.id);
      expect(second.tables.map((t) => t.name)).toEqual(['customer', 'orders']);
      expect(second.joins).toEqual([
        { from: 'orders', fromColumns: ['customer_id'], to: 'customer', toColumns: ['id'], declared: true },
      ]);
      expect(second.cards[0]!.vector).toBeInstanceOf(Float32Array);
      expect((await loadOrIndex(home, db, embedder)).builtAt).toBe(second.builtAt);
    } finally {
      writer.close();
      await db.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resolves adapters by registered name or path, and explains a missing one', () => {
    const home = mkdtempSync(join(tmpdir(), 'attune-sqlad-'));
    mkdirSync(join(home, 'adapters', 'geo'), { recursive: true });
    writeFileSync(join(home, 'adapters', 'geo', 'adapter.gguf'), 'x');
    expect(resolveAdapter(home, 'geo')).toEqual({ name: 'geo', path: join(home, 'adapters', 'geo', 'adapter.gguf') });
    expect(resolveAdapter(home, join(home, 'adapters', 'geo', 'adapter.gguf')).path).toBe(
      join(home, 'adapters', 'geo', 'adapter.gguf'),
    );
    expect(() => resolveAdapter(home, 'nope')).toThrow(/no adapter "nope"/);
    rmSync(home, { recursive: true, force: true });
  });
});
