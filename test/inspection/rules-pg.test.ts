/**
 * The rule table on real PostgreSQL: each case builds its hazard (or its fixed form) in a database of
 * its own, the real gateway reads the catalog through connectPostgres, and the rules are evaluated on
 * both replication paths. One server for all cases; cluster-wide objects (slots, roles, subscriptions)
 * are removed by each case.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeInspectionGateway, type PostgresInspection } from '#aws/inspection-gateway';
import { evaluateInspection, type ReplicationPath } from '#domain/inspection/index';
import { PASSWORD, startTestServer, type TestServer } from './pg-server.ts';

let pg: TestServer;
const gateway = makeInspectionGateway(async () => PASSWORD);
let counter = 0;

beforeAll(async () => {
  pg = await startTestServer();
  // Verified TLS, as in production: the test server's CA is added to the Amazon RDS ones.
  process.env.SWITCHYARD_DB_EXTRA_CA_FILE = pg.caFile;
});
afterAll(async () => {
  await pg?.stop();
});
afterEach(async () => {
  await dropCase();
});

/** A fresh database with `setup` applied, inspected by the real gateway. */
const inspect = async (setup: string[]): Promise<PostgresInspection> => {
  const db = `case_${++counter}`;
  await pg.createDatabase(db);
  for (const sql of setup) await pg.server.query(sql, [], db);
  return gateway.inspectPostgres({
    host: '127.0.0.1',
    port: pg.server.port,
    name: db,
    user: 'postgres',
    passwordParameter: '/unused',
  });
};

/** Each case drops its database: one slot per database is what the capacity rule counts. */
const dropCase = async (): Promise<void> => {
  await pg.server.closePools();
  await pg.server.query(`DROP DATABASE IF EXISTS case_${counter} WITH (FORCE)`);
};

/** The severity each rule fired with on this path (waivers none); the always-present other-databases rule left out. */
const fired = (inspection: PostgresInspection, replication: ReplicationPath): Record<string, string> => {
  const report = evaluateInspection({
    engine: 'postgres',
    replication,
    facts: inspection.facts,
    summary: inspection.summary,
    waivers: [],
    database: inspection.facts.database,
    endpoint: 'test',
    durationMs: inspection.durationMs,
  });
  return Object.fromEntries(
    report.findings.filter((f) => f.rule !== 'PG-UNINSPECTED-DATABASES').map((f) => [f.rule, f.severity]),
  );
};

interface Case {
  name: string;
  setup: string[];
  logical: Record<string, string>;
  physical: Record<string, string>;
  cleanup?: string[];
  /** the objects the rule must name (schema-qualified), rule → names */
  objects?: Record<string, string[]>;
}

const CASES: Case[] = [
  {
    name: 'a clean schema',
    setup: ['CREATE TABLE orders (id bigint PRIMARY KEY, total int)'],
    logical: {},
    physical: {},
  },
  {
    name: 'a table without a primary key',
    setup: [
      'CREATE SCHEMA app',
      'CREATE TABLE app.events (at timestamptz, body text)',
      "INSERT INTO app.events SELECT now(), 'x' FROM generate_series(1, 50)",
    ],
    logical: { 'PG-NO-REPLICA-IDENTITY': 'refuse' },
    physical: {},
    objects: { 'PG-NO-REPLICA-IDENTITY': ['app.events'] },
  },
  {
    name: 'a primary key with REPLICA IDENTITY NOTHING',
    setup: ['CREATE TABLE audit (id int PRIMARY KEY)', 'ALTER TABLE audit REPLICA IDENTITY NOTHING'],
    logical: { 'PG-NO-REPLICA-IDENTITY': 'refuse' },
    physical: {},
    objects: { 'PG-NO-REPLICA-IDENTITY': ['public.audit'] },
  },
  {
    name: 'no primary key but REPLICA IDENTITY FULL or USING INDEX (fixed)',
    setup: [
      'CREATE TABLE events (at timestamptz, body text)',
      'ALTER TABLE events REPLICA IDENTITY FULL',
      'CREATE TABLE tags (name text NOT NULL)',
      'CREATE UNIQUE INDEX tags_name ON tags (name)',
      'ALTER TABLE tags REPLICA IDENTITY USING INDEX tags_name',
    ],
    logical: {},
    physical: {},
  },
  {
    name: 'a large object',
    setup: ["SELECT lo_from_bytea(0, 'invoice.pdf')"],
    logical: { 'PG-LARGE-OBJECTS': 'refuse' },
    physical: {},
  },
  {
    name: 'an unlogged table',
    setup: ['CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text)'],
    logical: { 'PG-UNLOGGED-TABLES': 'refuse' },
    physical: { 'PG-UNLOGGED-TABLES': 'refuse' },
    objects: { 'PG-UNLOGGED-TABLES': ['public.cache'] },
  },
  {
    name: 'an unlogged table made logged (fixed)',
    setup: ['CREATE UNLOGGED TABLE cache (k text PRIMARY KEY)', 'ALTER TABLE cache SET LOGGED'],
    logical: {},
    physical: {},
  },
  {
    name: 'a materialized view',
    setup: [
      'CREATE TABLE orders (id int PRIMARY KEY)',
      'CREATE MATERIALIZED VIEW order_count AS SELECT count(*) FROM orders',
    ],
    logical: { 'PG-MATERIALIZED-VIEWS': 'warn' },
    physical: {},
    objects: { 'PG-MATERIALIZED-VIEWS': ['public.order_count'] },
  },
  {
    name: 'a foreign server addressed by IP',
    setup: [
      'CREATE FOREIGN DATA WRAPPER test_fdw',
      "CREATE SERVER billing FOREIGN DATA WRAPPER test_fdw OPTIONS (host '10.0.3.7', dbname 'billing')",
    ],
    logical: { 'PG-FOREIGN-SERVER-IP': 'warn' },
    physical: { 'PG-FOREIGN-SERVER-IP': 'warn' },
    objects: { 'PG-FOREIGN-SERVER-IP': ['billing'] },
  },
  {
    name: 'a foreign server addressed by name (fixed)',
    setup: [
      'CREATE FOREIGN DATA WRAPPER test_fdw',
      "CREATE SERVER billing FOREIGN DATA WRAPPER test_fdw OPTIONS (host 'billing.example.internal')",
    ],
    logical: {},
    physical: {},
  },
  {
    name: 'a publication',
    setup: ['CREATE TABLE orders (id int PRIMARY KEY)', 'CREATE PUBLICATION analytics FOR TABLE orders'],
    logical: { 'PG-PUBLICATIONS': 'warn' },
    physical: { 'PG-PUBLICATIONS': 'refuse' },
  },
  {
    name: 'a subscription',
    setup: [
      "CREATE SUBSCRIPTION upstream CONNECTION 'host=127.0.0.1 port=1 dbname=x' PUBLICATION p WITH (connect = false)",
    ],
    logical: { 'PG-SUBSCRIPTIONS': 'refuse' },
    physical: { 'PG-SUBSCRIPTIONS': 'refuse' },
    cleanup: ['ALTER SUBSCRIPTION upstream SET (slot_name = NONE)', 'DROP SUBSCRIPTION upstream'],
  },
  {
    name: 'a replication slot',
    setup: ["SELECT pg_create_physical_replication_slot('old_standby')"],
    logical: { 'PG-REPLICATION-SLOTS': 'warn' },
    physical: { 'PG-REPLICATION-SLOTS': 'refuse' },
    cleanup: ["SELECT pg_drop_replication_slot('old_standby')"],
  },
  {
    name: 'every replication slot taken (max_replication_slots 20)',
    setup: ["SELECT pg_create_physical_replication_slot('full_' || g) FROM generate_series(1, 20) g"],
    logical: { 'PG-REPLICATION-SLOTS': 'warn', 'PG-REPLICATION-CAPACITY': 'refuse' },
    physical: { 'PG-REPLICATION-SLOTS': 'refuse' },
    objects: { 'PG-REPLICATION-CAPACITY': ['max_replication_slots'] },
    cleanup: ["SELECT pg_drop_replication_slot('full_' || g) FROM generate_series(1, 20) g"],
  },
  {
    name: 'a role overriding default_transaction_read_only',
    setup: ['CREATE ROLE reporting_rw', 'ALTER ROLE reporting_rw SET default_transaction_read_only = off'],
    logical: { 'PG-READ-ONLY-OVERRIDE': 'warn' },
    physical: { 'PG-READ-ONLY-OVERRIDE': 'warn' },
    objects: { 'PG-READ-ONLY-OVERRIDE': ['role reporting_rw'] },
    cleanup: ['DROP ROLE reporting_rw'],
  },
  {
    name: 'a database overriding default_transaction_read_only',
    setup: [
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = off', current_database()); END $$",
    ],
    logical: { 'PG-READ-ONLY-OVERRIDE': 'warn' },
    physical: { 'PG-READ-ONLY-OVERRIDE': 'warn' },
  },
  {
    name: 'sequences',
    setup: ['CREATE TABLE orders (id bigserial PRIMARY KEY)', 'CREATE SEQUENCE invoice_no'],
    logical: { 'PG-SEQUENCES': 'warn' },
    physical: {},
  },
];

describe('inspection rules on real PostgreSQL 17', () => {
  it.each(CASES)('$name', async (c) => {
    // Prepare
    try {
      const inspection = await inspect(c.setup);
      // Assess: the same facts, judged on each path
      expect(fired(inspection, 'logical')).toEqual(c.logical);
      expect(fired(inspection, 'physical')).toEqual(c.physical);
      for (const [rule, names] of Object.entries(c.objects ?? {})) {
        const report = evaluateInspection({
          engine: 'postgres',
          replication: 'logical',
          facts: inspection.facts,
          summary: inspection.summary,
          waivers: [],
          database: 'x',
          endpoint: 'x',
          durationMs: 0,
        });
        expect(report.findings.find((f) => f.rule === rule)?.objects.map((o) => o.name)).toEqual(names);
      }
    } finally {
      for (const sql of c.cleanup ?? []) await pg.server.query(sql, [], `case_${counter}`);
    }
  });

  it('reads sizes and row estimates of what it names', async () => {
    const inspection = await inspect([
      'CREATE TABLE events (at timestamptz, body text)',
      "INSERT INTO events SELECT now(), repeat('x', 200) FROM generate_series(1, 2000)",
      'ANALYZE events',
    ]);
    const events = inspection.facts.relations.find((r) => r.name === 'events');
    expect(events?.rows).toBe(2000);
    expect(events?.bytes).toBeGreaterThan(400_000);
    expect(inspection.summary.tables).toBe(1);
    expect(inspection.summary.databaseBytes).toBeGreaterThan(events?.bytes ?? 0);
  });

  it('sees the oldest open transaction of another session and the extensions installed', async () => {
    // Prepare: a session holding a transaction open
    const db = `case_${++counter}`;
    await pg.createDatabase(db);
    const other = await pg.server.client(db);
    try {
      await other.query('BEGIN');
      await other.query('SELECT txid_current()');
      const [{ pid } = { pid: 0 }] = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))
        .rows;
      // Act
      const inspection = await gateway.inspectPostgres({
        host: '127.0.0.1',
        port: pg.server.port,
        name: db,
        user: 'postgres',
        passwordParameter: '/unused',
      });
      // Assess
      expect(inspection.facts.longestTransaction).toMatchObject({ pid, user: 'postgres' });
      expect(inspection.facts.extensions.map((e) => e.name)).toContain('plpgsql');
      expect(inspection.facts.settings.max_replication_slots).toBe('20');
      expect(inspection.facts.databases.map((d) => d.name)).toContain(db);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('writes nothing: the session is READ ONLY', async () => {
    const inspection = await inspect([]);
    // The gateway's transaction is read only; a write attempt inside it would fail with SQLSTATE 25006.
    // Assess by side effect: the catalog is the same before and after two inspections.
    const snapshot = () =>
      pg.server.query(
        `SELECT (SELECT count(*) FROM pg_class)::int AS rels, (SELECT count(*) FROM pg_replication_slots)::int AS slots,
                (SELECT count(*) FROM pg_publication)::int AS pubs`,
        [],
        inspection.facts.database,
      );
    const before = await snapshot();
    await gateway.inspectPostgres({
      host: '127.0.0.1',
      port: pg.server.port,
      name: inspection.facts.database,
      user: 'postgres',
      passwordParameter: '/unused',
    });
    expect(await snapshot()).toEqual(before);
  });
});
