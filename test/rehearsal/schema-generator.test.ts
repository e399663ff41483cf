/**
 * The `--schema` data generator on real PostgreSQL 17: a real `pg_dump --schema-only` file (fixtures/,
 * dumped by pg_dump 15 from a schema with foreign keys including a self-reference and cycles, composite
 * keys, enums, arrays, generated and identity columns, domains and partitioned tables) is loaded, and
 * every table gets rows that PostgreSQL itself accepted, or is reported with the reason.
 */
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgServer } from '../../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../../emulator/tls.ts';
import { freePort } from '../../emulator/util.ts';
import { loadAndFill, prepareDump, SchemaFileError, type SchemaLoad } from '../../rehearsal/schema/index.ts';
import { columnLiteral } from '../../rehearsal/schema/values.ts';
import { type GuardedDir, guardedTempDir } from '../support/guarded-dir.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/kitchen-sink.schema.sql', import.meta.url));

/** the server's folder, registered with the emulator's run watcher */
let guarded: GuardedDir | undefined;
let server: PgServer;
let client: pg.Client;
let load: SchemaLoad;
const ROWS = 12;

const count = async (table: string): Promise<number> =>
  Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n);
const fill = (table: string) => load.tables.find((t) => t.table === table);

beforeAll(async () => {
  guarded = guardedTempDir('schema-gen');
  const base = guarded.dir;
  chmodSync(base, 0o755); // PostgreSQL runs as the postgres OS user
  server = new PgServer({
    id: 'gen',
    dir: join(base, 'gen'),
    port: await freePort(),
    major: 17,
    superuser: 'postgres',
    password: 'gen',
    tls: ensureEmulatorTls(join(base, 'tls')),
  });
  await server.initdb();
  await server.start();
  client = await server.client();
  load = await loadAndFill(client, readFileSync(FIXTURE, 'utf8'), 'kitchen-sink.schema.sql', ROWS);
}, 120_000);

afterAll(async () => {
  await client?.end().catch(() => {});
  await server?.stop();
  guarded?.release();
});

describe('schema generator on a real pg_dump file', () => {
  it('fills plain, identity, enum, array, domain and self-referencing columns', async () => {
    expect(fill('public.customers')).toMatchObject({ inserted: ROWS, rejected: 0, skipped: null });
    expect(await count('public.customers')).toBe(ROWS);
    const { rows } = await client.query<{ refs: string; moods: string; credit_ok: boolean; tags: string }>(
      `SELECT count(referred_by)::text AS refs, count(DISTINCT mood)::text AS moods, bool_and(credit > 0) AS credit_ok,
              count(*) FILTER (WHERE cardinality(nicknames) = 1)::text AS tags
         FROM public.customers`,
    );
    // The first row has nobody to refer to; every later one refers to an earlier customer.
    expect(rows[0]).toEqual({ refs: String(ROWS - 1), moods: '3', credit_ok: true, tags: String(ROWS) });
  });

  it('respects simple CHECKs, numeric precision and generated columns', async () => {
    expect(fill('shop.products')?.inserted).toBe(ROWS);
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT bool_and(price > 0 AND status IN ('active', 'retired') AND price_with_tax = price * 1.2) AS ok FROM shop.products`,
    );
    expect(rows[0]?.ok).toBe(true);
    expect(fill('public.readings')?.inserted).toBe(ROWS);
  });

  it('fills foreign keys in order, including composite keys of references', async () => {
    for (const t of ['shop."Order"', 'shop.order_lines', 'public.customer_favourites'])
      expect(fill(t), t).toMatchObject({ inserted: ROWS, skipped: null });
    const { rows } = await client.query<{ pairs: string }>(
      'SELECT count(DISTINCT (customer_id, sku))::text AS pairs FROM public.customer_favourites',
    );
    expect(rows[0]?.pairs).toBe(String(ROWS));
  });

  it('breaks a cycle at its nullable foreign key and points a NOT NULL self-reference at itself', async () => {
    expect(fill('public.departments')).toMatchObject({
      inserted: ROWS,
      nulledForeignKeys: ['departments_manager_fk'],
    });
    expect(fill('public.employees')?.inserted).toBe(ROWS);
    expect(fill('public.categories')?.inserted).toBe(ROWS);
    const { rows } = await client.query<{ roots: string }>(
      'SELECT count(*)::text AS roots FROM public.categories WHERE parent_id = id',
    );
    expect(rows[0]?.roots).toBe('1');
  });

  it('routes rows into range and list partitions', async () => {
    expect(fill('public.events')?.inserted).toBe(ROWS);
    expect(await count('public.events_2024')).toBeGreaterThan(0);
    expect(await count('public.events_2025')).toBeGreaterThan(0);
    // A list-partitioned primary key has three possible values: three rows, the rest refused and reported.
    expect(fill('public.regions')).toMatchObject({ inserted: 3, rejected: ROWS - 3 });
    expect(fill('public.regions')?.firstError).toMatch(/duplicate key/);
    expect(load.shortfalls.some((s) => s.startsWith('public.regions: 3 of 12 rows'))).toBe(true);
  });

  it('reports the tables it cannot fill, leaves them empty, and fills the rest', async () => {
    // A CHECK the generator does not read (a regex domain): every row refused, with PostgreSQL's reason.
    expect(fill('public.subscribers')).toMatchObject({ inserted: 0, rejected: ROWS });
    expect(fill('public.subscribers')?.firstError).toMatch(/email_check/);
    // A cycle with NOT NULL on every edge.
    expect(fill('public.hens')?.skipped).toMatch(/foreign-key cycle through/);
    expect(fill('public.eggs')?.skipped).toMatch(/foreign-key cycle through/);
    for (const t of ['public.subscribers', 'public.hens', 'public.eggs']) expect(await count(t), t).toBe(0);
    expect(load.shortfalls).toHaveLength(4);
  });

  it('fills range columns (bookings.during int4range NOT NULL) with rows PostgreSQL accepts', async () => {
    expect(fill('public.bookings')).toMatchObject({ inserted: ROWS, rejected: 0, skipped: null });
    const { rows } = await client.query<{ n: string; empty: string }>(
      `SELECT count(DISTINCT during)::text AS n, count(*) FILTER (WHERE isempty(during))::text AS empty FROM public.bookings`,
    );
    expect(rows[0]).toEqual({ n: String(ROWS), empty: '0' });
  });

  it.each([
    'int4range',
    'int8range',
    'numrange',
    'daterange',
    'tsrange',
    'tstzrange',
    'int4multirange',
    'nummultirange',
    'line',
    'lseg',
    'box',
    'path',
    'polygon',
    'circle',
  ])('gives %s distinct, non-empty values that PostgreSQL parses', async (type) => {
    const column = {
      name: 'c',
      sqlType: type,
      baseType: type,
      category: 'X',
      isArray: false,
      enumLabels: [],
      maxLength: null,
      precision: null,
      scale: null,
      notNull: true,
      hasDefault: false,
      identity: false,
      generated: false,
      checks: [],
    };
    const literals = [0, 1, 2, 99_999].map((i) => columnLiteral(column, i));
    expect(literals.every((l) => l !== null)).toBe(true);
    // Parsed by the real server; text forms distinct (geometry has no equality operator for every type).
    const { rows } = await client.query<{ v: string }>(
      `SELECT (x::${type})::text AS v FROM unnest($1::text[]) x`,
      [literals],
    );
    expect(new Set(rows.map((r) => r.v)).size).toBe(literals.length);
    if (type.endsWith('range')) {
      const { rows: empty } = await client.query<{ n: number }>(
        `SELECT count(*) FILTER (WHERE isempty(x::${type}))::int AS n FROM unnest($1::text[]) x`,
        [literals],
      );
      expect(empty[0]?.n).toBe(0);
    }
  });

  it("reports a table whose CHECK spans several columns (not read) with PostgreSQL's reason, and fills the rest", async () => {
    // Prepare: a database of its own, so the fixture's tables are not filled again.
    await client.query('CREATE DATABASE multi_check');
    const other = await server.client('multi_check');
    try {
      // Act
      const multi = await loadAndFill(
        other,
        `CREATE TABLE public.spans (id integer PRIMARY KEY, lo integer NOT NULL, hi integer NOT NULL, CONSTRAINT spans_order CHECK (lo < hi));
         CREATE TABLE public.notes (id integer PRIMARY KEY, body text NOT NULL);`,
        'multi.sql',
        5,
      );
      // Assess: the generator writes the same value in lo and hi, so every row is refused and said so.
      expect(multi.tables.find((t) => t.table === 'public.spans')).toMatchObject({
        inserted: 0,
        rejected: 5,
      });
      expect(multi.shortfalls).toEqual([
        expect.stringMatching(/^public\.spans: 0 of 5 rows \(5 refused: .*spans_order/),
      ]);
      expect(multi.tables.find((t) => t.table === 'public.notes')).toMatchObject({
        inserted: 5,
        rejected: 0,
      });
    } finally {
      await other.end();
    }
  });

  it('refuses a file that is not a schema dump, naming the line, and creates nothing on a failing schema', async () => {
    expect(() => prepareDump('\\connect other\nCREATE TABLE x (a int);', 'f.sql')).toThrow(
      /f\.sql:1: psql meta-command \\connect/,
    );
    expect(() => prepareDump('CREATE TABLE x (a int);\nCOPY x (a) FROM stdin;\n1\n\\.\n', 'f.sql')).toThrow(
      /f\.sql:2: the dump holds table data/,
    );
    expect(() => prepareDump('SELECT 1;', 'f.sql')).toThrow(SchemaFileError);
    const bad = 'CREATE TABLE first_ok (a int);\n\nCREATE TABLE broken (a no_such_type);\n';
    await expect(loadAndFill(client, bad, 'bad.sql', 3)).rejects.toThrow(
      /bad\.sql:3: PostgreSQL refused the schema: type "no_such_type" does not exist; nothing was created/,
    );
    const { rows } = await client.query(`SELECT 1 FROM pg_class WHERE relname = 'first_ok'`);
    expect(rows).toHaveLength(0);
  });
});
