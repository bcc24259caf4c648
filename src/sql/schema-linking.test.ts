import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqlDatabase, type TableSchema } from './database.ts';
import { connectTables } from './join-graph.ts';
import { joinPaths } from './schema-cards.ts';
import { collectValues, linkTables, nameWords } from './schema-linking.ts';
import { retrieveSchema, type SqlIndex } from './sql-index.ts';

// The music store of the issue (Chinook's 11 tables and foreign keys), as a real SQLite file.
const DDL = `
CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title TEXT, ArtistId INTEGER REFERENCES Artist(ArtistId));
CREATE TABLE Genre (GenreId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE MediaType (MediaTypeId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, Name TEXT, AlbumId INTEGER REFERENCES Album(AlbumId),
  MediaTypeId INTEGER REFERENCES MediaType(MediaTypeId), GenreId INTEGER REFERENCES Genre(GenreId), UnitPrice REAL);
CREATE TABLE Employee (EmployeeId INTEGER PRIMARY KEY, LastName TEXT, City TEXT, ReportsTo INTEGER REFERENCES Employee(EmployeeId));
CREATE TABLE Customer (CustomerId INTEGER PRIMARY KEY, FirstName TEXT, City TEXT, Country TEXT, SupportRepId INTEGER REFERENCES Employee(EmployeeId));
CREATE TABLE Invoice (InvoiceId INTEGER PRIMARY KEY, CustomerId INTEGER REFERENCES Customer(CustomerId), BillingCity TEXT, Total REAL);
CREATE TABLE InvoiceLine (InvoiceLineId INTEGER PRIMARY KEY, InvoiceId INTEGER REFERENCES Invoice(InvoiceId), TrackId INTEGER REFERENCES Track(TrackId), Quantity INTEGER);
CREATE TABLE Playlist (PlaylistId INTEGER PRIMARY KEY, Name TEXT);
CREATE TABLE PlaylistTrack (PlaylistId INTEGER REFERENCES Playlist(PlaylistId), TrackId INTEGER REFERENCES Track(TrackId), PRIMARY KEY (PlaylistId, TrackId));
INSERT INTO Artist VALUES (1, 'AC/DC'), (2, 'Accept'), (3, 'Antônio Carlos Jobim');
INSERT INTO Album VALUES (1, 'For Those About To Rock', 1), (2, 'Balls to the Wall', 2);
INSERT INTO Genre VALUES (1, 'Rock'), (2, 'Jazz');
INSERT INTO MediaType VALUES (1, 'MPEG audio file');
INSERT INTO Track VALUES (1, 'Let There Be Rock', 1, 1, 1, 0.99), (2, 'Fast As a Shark', 2, 1, 1, 0.99);
INSERT INTO Employee VALUES (1, 'Adams', 'Edmonton', NULL);
INSERT INTO Customer VALUES (1, 'Leonie', 'Stuttgart', 'Germany', 1), (2, 'Bjørn', 'Oslo', 'Norway', 1);
INSERT INTO Invoice VALUES (1, 1, 'Stuttgart', 1.98);
INSERT INTO InvoiceLine VALUES (1, 1, 1, 1), (2, 1, 2, 1);
INSERT INTO Playlist VALUES (1, 'Music');
INSERT INTO PlaylistTrack VALUES (1, 1);
`;

let dir: string;
let db: SqlDatabase;
let tables: TableSchema[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attune-linking-'));
  const file = join(dir, 'music.sqlite');
  const writer = new DatabaseSync(file);
  writer.exec(DDL);
  writer.close();
  db = await openDatabase(`sqlite:${file}`);
  tables = await db.introspect({ samples: 0 });
});

afterAll(async () => {
  await db?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('join paths: an approximate Steiner tree over the foreign keys', () => {
  it('connects Customer and Track through Invoice and InvoiceLine', () => {
    const joins = joinPaths(tables);
    expect(connectTables(['Customer', 'Track'], joins).sort()).toEqual(['Customer', 'Invoice', 'InvoiceLine', 'Track']);
    // Artist to Customer: Artist-Album-Track-InvoiceLine-Invoice-Customer is 5 joins, over the default 3
    expect(connectTables(['Artist', 'Customer'], joins)).toEqual(['Artist', 'Customer']);
    expect(connectTables(['Artist', 'Customer'], joins, { maxHops: 5 }).sort()).toEqual([
      'Album',
      'Artist',
      'Customer',
      'Invoice',
      'InvoiceLine',
      'Track',
    ]);
  });

  it('joins three terminals with the shared path once, and leaves other components alone', () => {
    const joins = joinPaths(tables);
    const connected = connectTables(['Genre', 'MediaType', 'Album'], joins);
    expect(connected.slice(0, 3)).toEqual(['Genre', 'MediaType', 'Album']);
    expect(connected.sort()).toEqual(['Album', 'Genre', 'MediaType', 'Track']);
    const islands = [...joins, { from: 'Audit', fromColumns: ['x'], to: 'Log', toColumns: ['x'], declared: true }];
    expect(connectTables(['Audit', 'Log', 'Genre', 'Album'], islands).sort()).toEqual([
      'Album',
      'Audit',
      'Genre',
      'Log',
      'Track',
    ]);
  });
});

describe('schema linking', () => {
  it('reads distinct text values, never from excluded columns, and skips numbers and flag words', async () => {
    const values = await collectValues(db, tables, { excludeSamples: ['Customer.FirstName'] });
    expect(values.find((v) => v.table === 'Artist' && v.column === 'Name')?.values).toEqual([
      'AC/DC',
      'Accept',
      'Antônio Carlos Jobim',
    ]);
    expect(values.some((v) => v.table === 'Customer' && v.column === 'FirstName')).toBe(false);
    expect(values.some((v) => v.column === 'UnitPrice' || v.column === 'Total')).toBe(false);
  });

  it('links tables the question names and values it quotes, as whole words', async () => {
    const values = await collectValues(db, tables);
    const names = tables.map((t) => t.name);
    const links = linkTables('Which customers bought tracks by the artist AC/DC?', names, values);
    expect(
      links
        .filter((l) => l.reason === 'name')
        .map((l) => l.table)
        .sort(),
    ).toEqual(['Artist', 'Customer', 'Track']);
    expect(links.find((l) => l.reason === 'value')).toMatchObject({ table: 'Artist', column: 'Name', match: 'AC/DC' });
    // accents and case do not matter; a value inside a longer word does not count
    expect(linkTables('songs by antonio carlos jobim', names, values).map((l) => l.table)).toEqual(['Artist']);
    expect(linkTables('how many accepted orders', names, values).filter((l) => l.reason === 'value')).toEqual([]);
    expect(nameWords('InvoiceLine')).toEqual(['invoice', 'line']);
    expect(
      linkTables('list every invoice line', names)
        .map((l) => l.table)
        .sort(),
    ).toEqual(['Invoice', 'InvoiceLine']);
  });

  it("retrieved schema: the issue's question gets Customer, Invoice and InvoiceLine beside Track, Artist and Album", async () => {
    const values = await collectValues(db, tables);
    // card vectors stand in for an embedder that ranks Track, Artist, Album first (what MiniLM did in the issue)
    const order = [
      'Track',
      'Artist',
      'Album',
      'MediaType',
      'Genre',
      'Customer',
      'Invoice',
      'InvoiceLine',
      'Employee',
      'Playlist',
      'PlaylistTrack',
    ];
    const query = Float32Array.from(order, (_, i) => (i === 0 ? 1 : 0));
    const cards = order.map((name, rank) => ({
      kind: 'table' as const,
      id: name,
      text: name,
      vector: Float32Array.from(order, (_, i) => (i === 0 ? 1 - rank * 0.05 : i === rank ? 1 : 0)),
    }));
    const index: SqlIndex = {
      version: 1,
      databaseId: 'music',
      dialect: 'sqlite',
      embedderId: 'test',
      builtAt: '',
      tables,
      joins: joinPaths(tables),
      cards,
      values,
    };
    const before = retrieveSchema(index, query, { k: 3 });
    expect(before.tables).not.toContain('Customer');
    const after = retrieveSchema(index, query, {
      k: 3,
      question: 'Which customers bought tracks by the artist AC/DC?',
    });
    for (const table of ['Track', 'Artist', 'Album', 'Customer', 'Invoice', 'InvoiceLine'])
      expect(after.tables).toContain(table);
    expect(after.tables).not.toContain('Playlist');
    expect(after.links.map((l) => l.table)).toContain('Customer');
  });
});
