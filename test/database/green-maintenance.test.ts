/**
 * MaintainGreen against a real PostgreSQL server set up like a logical-path green: read-only by default
 * (`default_transaction_read_only=on`, as RDS and the emulator keep green), autovacuum off so no
 * statistics exist until the step. After a round: every table has planner statistics (pg_class.reltuples,
 * pg_stats, last_analyze), the listed materialized views hold rows (CONCURRENTLY where a unique index
 * allows it, plain otherwise), and green is still read-only for everyone else. A user that may not
 * analyze a table gets it named as skipped; one that may not refresh a view fails the round.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGreenMaintenanceGateway } from '#aws/green-maintenance-gateway';
import {
  GreenMaintenanceFailedError,
  type GreenMaintenancePlan,
  planGreenMaintenance,
} from '#domain/green-maintenance';
import type { InspectionReport } from '#domain/inspection/types';
import { runMaintenanceRound } from '#lib/maintain-green';
import { PASSWORD_PARAMETER, readTestParameter, startTestDatabase, type TestDatabase } from './support.ts';

let db: TestDatabase;
const READER_PARAMETER = '/switchyard/test/db/reader';
const readParameter = async (name: string) =>
  name === READER_PARAMETER ? 'reader-pw' : readTestParameter(name);

const PLAN: GreenMaintenancePlan = planGreenMaintenance(
  {
    analyze: 'auto',
    refreshMaterializedViews: true,
    maintenanceTimeBudgetSeconds: 60,
    maintenanceDeadlineMinutes: 10,
    analyzeJobs: 2,
  },
  {
    engine: 'postgres',
    replication: 'logical',
    currentEngineVersion: '16.4',
    targetEngineVersion: '17.4',
    hasDatabase: true,
  },
);

/** The inspection's PG-MATERIALIZED-VIEWS finding as Preflight would carry it. */
const inspection = (names: string[]) =>
  ({
    findings: [
      {
        rule: 'PG-MATERIALIZED-VIEWS',
        title: 'materialized views',
        severity: 'warn',
        waivable: true,
        why: '',
        fix: '',
        docs: '',
        count: names.length,
        objects: names.map((name) => ({ name })),
      },
    ],
  }) as unknown as InspectionReport;

const round = (user: string, passwordParameter: string, views: string[]) => {
  const gateway = makeGreenMaintenanceGateway(readParameter);
  const target = { name: 'postgres', user, passwordParameter };
  return runMaintenanceRound(
    {
      open: (writable) => gateway.open(target, { host: '127.0.0.1', port: db.port }, writable),
      now: Date.now,
    },
    { plan: PLAN, inspection: inspection(views), previous: null },
  );
};

beforeAll(async () => {
  db = await startTestDatabase('green-maint');
  // Autovacuum off before any row exists, so the only statistics are the ones the step gathers.
  await db.server.query('ALTER SYSTEM SET autovacuum = off');
  await db.server.query('SELECT pg_reload_conf()');
  await db.server.query(`
    CREATE TABLE orders (id int PRIMARY KEY, state text NOT NULL);
    INSERT INTO orders SELECT g, CASE WHEN g % 10 = 0 THEN 'open' ELSE 'shipped' END FROM generate_series(1, 20000) g;
    CREATE TABLE events (at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);
    CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    INSERT INTO events SELECT '2026-03-01'::timestamptz + g * interval '1 minute', 'k' || (g % 7) FROM generate_series(1, 5000) g;
    CREATE MATERIALIZED VIEW open_orders AS SELECT id FROM orders WHERE state = 'open' WITH NO DATA;
    CREATE UNIQUE INDEX ON open_orders (id);
    CREATE MATERIALIZED VIEW state_counts AS SELECT state, count(*) AS n FROM orders GROUP BY state;
    CREATE UNIQUE INDEX ON state_counts (state);
    CREATE MATERIALIZED VIEW kinds AS SELECT DISTINCT kind FROM events;
    CREATE ROLE reader LOGIN PASSWORD 'reader-pw';
    CREATE TABLE reader_notes (id int PRIMARY KEY);
    ALTER TABLE reader_notes OWNER TO reader;
    INSERT INTO reader_notes SELECT generate_series(1, 100);
  `);
  await db.server.query('ALTER SYSTEM SET default_transaction_read_only = on');
  await db.server.query('SELECT pg_reload_conf()');
  // pg_reload_conf signals the postmaster; new sessions see the settings once it has re-read them.
  await new Promise((r) => setTimeout(r, 300));
}, 60_000);

afterAll(async () => {
  await db?.stop();
});

/** What an application session sees: the emulator's admin pool overrides the read-only default, this does not. */
const settingSeenByClients = async (): Promise<string> => {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: db.port,
    database: 'postgres',
    user: 'reader',
    password: 'reader-pw',
    ssl: db.ssl,
  });
  await c.connect();
  try {
    const { rows } = await c.query<{ v: string }>(
      "SELECT current_setting('default_transaction_read_only') AS v",
    );
    await expect(c.query('CREATE TABLE nope (id int)')).rejects.toThrow('read-only transaction');
    return rows[0]?.v ?? '';
  } finally {
    await c.end();
  }
};

const stats = async () =>
  db.server.query<{ relname: string; reltuples: number; analyzed: boolean; columns: number }>(
    `SELECT c.relname, c.reltuples::float8 AS reltuples,
            (SELECT last_analyze IS NOT NULL FROM pg_stat_all_tables s WHERE s.relid = c.oid) AS analyzed,
            (SELECT count(*)::int FROM pg_stats p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS columns
       FROM pg_class c WHERE c.relname IN ('orders', 'events', 'events_2026', 'reader_notes') ORDER BY 1`,
  );

describe('MaintainGreen on a read-only green (real PostgreSQL 17)', () => {
  it('green starts read-only and without statistics', async () => {
    expect(await settingSeenByClients()).toBe('on');
    const before = await stats();
    expect(before.every((s) => !s.analyzed && s.columns === 0)).toBe(true);
  });

  it('a user that may not analyze a table gets it named as skipped; one that may not refresh a view fails', async () => {
    const failed = round('reader', READER_PARAMETER, ['public.state_counts']);
    await expect(failed).rejects.toBeInstanceOf(GreenMaintenanceFailedError);
    await expect(failed).rejects.toThrow(
      /^REFRESH MATERIALIZED VIEW CONCURRENTLY public.state_counts on green failed: permission denied for materialized view state_counts/,
    );
    const r = await round('reader', READER_PARAMETER, []);
    expect(r.status).toBe('done');
    expect(r.analyze.tables).toBe(1); // its own table
    expect(r.analyze.skipped.map((s) => s.name).sort()).toEqual(['public.events', 'public.orders']);
    expect(r.analyze.skipped[0]?.why).toMatch(/permission denied to analyze/);
  });

  it('refreshes the listed views and analyzes every table, leaving green read-only', async () => {
    // Act
    const r = await round('postgres', PASSWORD_PARAMETER, [
      'public.open_orders',
      'public.state_counts',
      'public.kinds',
    ]);
    // Assess: the round
    expect(r.status).toBe('done');
    expect(r.views.refreshed).toBe(3);
    expect(r.views.list.map((v) => [v.name, v.mode])).toEqual([
      ['public.open_orders', 'plain'],
      ['public.state_counts', 'concurrently'],
      ['public.kinds', 'plain'],
    ]);
    expect(r.analyze).toMatchObject({ tables: 3, skippedCount: 0, done: true });
    // Assess: the server
    const after = await stats();
    for (const s of after) expect(s.analyzed, s.relname).toBe(true);
    expect(after.find((s) => s.relname === 'orders')).toMatchObject({ reltuples: 20000, columns: 2 });
    expect(after.find((s) => s.relname === 'events_2026')?.reltuples).toBe(5000); // the root's ANALYZE recursed
    const [open] = await db.server.query<{ n: number }>('SELECT count(*)::int AS n FROM open_orders');
    expect(open?.n).toBe(2000);
    expect(await settingSeenByClients()).toBe('on');
  });
});
