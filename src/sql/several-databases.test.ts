import { describe, expect, it } from 'vitest';
import type { TableSchema } from './database.ts';
import { bestDatabase, combineDatabases, databaseVocabulary, tableOwners } from './several-databases.ts';
import { hashingEmbedder } from '../testing/hashing-embedder.ts';
import { buildSqlIndex, retrieveSchema, type SqlIndex } from './sql-index.ts';

const table = (name: string, columns: string[], foreignKeys: TableSchema['foreignKeys'] = []): TableSchema => ({
  name,
  columns: columns.map((column, i) => ({ name: column, type: 'TEXT', primaryKey: i === 0 })),
  foreignKeys,
});
const shop = [
  table('Customer', ['CustomerId', 'Name']),
  table(
    'Orders',
    ['OrderId', 'CustomerId'],
    [{ columns: ['CustomerId'], table: 'Customer', references: ['CustomerId'] }],
  ),
  table('Product', ['ProductId', 'Title']),
];
const music = [
  table('Artist', ['ArtistId', 'Name']),
  table('Album', ['AlbumId', 'ArtistId'], [{ columns: ['ArtistId'], table: 'Artist', references: ['ArtistId'] }]),
  table('Customer', ['CustomerId', 'Country']),
];
// no declared foreign keys: joins are inferred from column names, within each database
const geo = [table('state', ['state_name', 'area']), table('city', ['city_name', 'state_name'])];

/** Card vectors that rank the tables in `order` (the query vector points at the first). */
function indexOf(combined: ReturnType<typeof combineDatabases>, order: string[], several: boolean): SqlIndex {
  const cards = combined.cards.map((card) => {
    const rank = order.indexOf(card.id);
    return { ...card, vector: Float32Array.from(order, (_, i) => (i === 0 ? 1 - rank * 0.05 : i === rank ? 1 : 0)) };
  });
  return {
    version: 1,
    databaseId: 'test',
    dialect: 'sqlite',
    embedderId: 'test',
    builtAt: '',
    tables: combined.tables,
    joins: combined.joins,
    cards,
    ...(several ? { databases: combined.databases } : {}),
  };
}

describe('an index of several databases', () => {
  const combined = combineDatabases([
    { name: 'shop', tables: shop },
    { name: 'music', tables: music },
    { name: 'geo', tables: geo },
  ]);
  // the best table is the shop's, then the music store's tables crowd the shop's out of a global top-3
  const order = [
    'shop.Orders',
    'music.Album',
    'music.Artist',
    'music.Customer',
    'shop.Product',
    'shop.Customer',
    'geo.state',
    'geo.city',
  ];
  const query = Float32Array.from(order, (_, i) => (i === 0 ? 1 : 0));
  const question = 'Which customer placed the most orders?';

  it('keys tables, foreign keys, joins and values by database, and infers joins per database', () => {
    expect(combined.databases.shop).toEqual(['shop.Customer', 'shop.Orders', 'shop.Product']);
    expect(combined.tables.find((t) => t.name === 'shop.Orders')?.foreignKeys[0]?.table).toBe('shop.Customer');
    expect(combined.joins.map((j) => `${j.from}->${j.to}`)).toEqual([
      'shop.Orders->shop.Customer',
      'music.Album->music.Artist',
      'geo.city->geo.state',
    ]);
    expect(combined.cards.find((c) => c.id === 'geo.city')?.text).toContain('in database geo');
    const withValues = combineDatabases([
      { name: 'music', tables: music, values: [{ table: 'Artist', column: 'Name', values: ['AC/DC'] }] },
    ]);
    expect(withValues.values[0]?.table).toBe('music.Artist');
  });

  it('the best database is the one holding the best-ranked table', () => {
    const owners = tableOwners(combined.databases);
    expect(bestDatabase([{ table: 'music.Album' }, { table: 'shop.Orders' }], owners)).toBe('music');
    expect(bestDatabase([], owners)).toBeUndefined();
  });

  it('with the question, a database whose table and column names the question uses beats a slightly better table score', () => {
    const vocabulary = databaseVocabulary(combined.tables, combined.databases);
    expect([...vocabulary.get('shop')!].sort()).toEqual([
      'customer',
      'id',
      'name',
      'order',
      'product',
      'shop',
      'title',
    ]);
    const ranked = [
      { table: 'music.Album', score: 0.6 },
      { table: 'shop.Product', score: 0.58 },
      { table: 'geo.city', score: 0.1 },
    ];
    const owners = tableOwners(combined.databases);
    expect(bestDatabase(ranked, owners)).toBe('music');
    expect(bestDatabase(ranked, owners, { question: 'List the titles of all products.', vocabulary })).toBe('shop');
    // words no database uses leave the best table's database
    expect(bestDatabase(ranked, owners, { question: 'What are all of those?', vocabulary })).toBe('music');
    expect(bestDatabase(ranked, owners, { question: 'Which album sold best?', vocabulary })).toBe('music');
  });

  /** The database chosen for `question` between music (its Album ranked first, 0.6) and `other` (its one table, 0.58). */
  const musicOr = (other: string, otherTable: TableSchema, question: string) => {
    const both = combineDatabases([
      { name: 'music', tables: music },
      { name: other, tables: [otherTable] },
    ]);
    const ranked = [
      { table: 'music.Album', score: 0.6 },
      { table: `${other}.${otherTable.name}`, score: 0.58 },
    ];
    const vocabulary = databaseVocabulary(both.tables, both.databases);
    return bestDatabase(ranked, tableOwners(both.databases), { question, vocabulary });
  };

  it("a question's function words never count as names, even where a database has columns named like them", () => {
    // a survey database whose columns are called how_many, where and there (a user's schema may well be);
    // counted as names, how/many/there (3 of 4 words) would carry survey past music's better table
    const survey = table('answer', ['how_many', 'where', 'there']);
    expect(musicOr('survey', survey, 'How many albums are there?')).toBe('music');
  });

  it('reads accented words as schema linking does: "Cafés in Zürich" names the cafe table and the zurich column', () => {
    // split at the accented letters instead ("caf", "z", "rich"), the question named nothing in places
    expect(musicOr('places', table('cafe', ['cafe_id', 'zurich']), 'How many Cafés are in Zürich?')).toBe('places');
  });

  it('gives the model tables of the best database only: top-k, linked tables and join paths', () => {
    const retrieved = retrieveSchema(indexOf(combined, order, true), query, { k: 3, question });
    expect(retrieved.database).toBe('shop');
    expect(retrieved.tables.sort()).toEqual(['shop.Customer', 'shop.Orders', 'shop.Product']);
    expect(retrieved.ranked.every((entry) => entry.table.startsWith('shop.'))).toBe(true);
    // "customer" names a table in two databases: only the chosen one's is linked
    expect(retrieved.links.map((link) => link.table).sort()).toEqual(['shop.Customer', 'shop.Orders']);
  });

  it('across all databases (for measuring) the schema mixes databases, as retrieval did before', () => {
    const retrieved = retrieveSchema(indexOf(combined, order, true), query, { k: 3, question, allDatabases: true });
    expect(retrieved.database).toBeUndefined();
    expect(retrieved.tables).toContain('music.Album');
    expect(retrieved.links.map((link) => link.table).sort()).toEqual([
      'music.Customer',
      'shop.Customer',
      'shop.Orders',
    ]);
  });

  it('an index of one database retrieves as before', () => {
    const index = indexOf(combineDatabases([{ name: 'shop', tables: shop }]), ['shop.Orders', 'shop.Product'], false);
    const plain: SqlIndex = {
      ...index,
      tables: shop,
      joins: index.joins.map((j) => ({ ...j, from: j.from.slice(5), to: j.to.slice(5) })),
      cards: index.cards.map((card) => ({ ...card, id: card.id.slice(5) })),
    };
    const retrieved = retrieveSchema(plain, Float32Array.from([1, 0]), { k: 1, question });
    expect(retrieved.database).toBeUndefined();
    expect(retrieved.tables.sort()).toEqual(['Customer', 'Orders']);
    expect(retrieved).toEqual(retrieveSchema(plain, Float32Array.from([1, 0]), { k: 1, question, allDatabases: true }));
  });

  it('`buildSqlIndex` with several databases records which tables each holds', async () => {
    await using embedder = hashingEmbedder();
    const index = await buildSqlIndex(
      {
        databaseId: 'both',
        dialect: 'sqlite',
        tables: [],
        databases: [
          { name: 'shop', tables: shop },
          { name: 'music', tables: music },
        ],
      },
      embedder,
    );
    expect(index.databases).toEqual({ shop: combined.databases.shop, music: combined.databases.music });
    expect(index.cards.map((card) => card.id)).toContain('music.Customer');
    expect(index.joins).toHaveLength(2);
  });
});
