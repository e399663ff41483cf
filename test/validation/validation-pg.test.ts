/**
 * The checksum queries on real PostgreSQL: blue on 17 and green on 18 (the majors of a logical
 * upgrade), the same schema and rows loaded on both, read through the real gateway (connectPostgres,
 * verified TLS). Equal data passes; a row changed on green is drift named by its key range; a write
 * that reaches green late passes on the recheck.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeValidationGateway, type ValidationSession } from '#aws/validation-gateway';
import type { ValidationPlan, ValidationResult } from '#domain/validation/index';
import { runValidationRound } from '#lib/validate-data';
import { startTestServer, type TestServer } from '../inspection/pg-server.ts';

let blue: TestServer;
let green: TestServer;
const DB = 'shop';

const SCHEMA = [
  `CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2), weight float8,
                        placed timestamptz, tags jsonb, note text)`,
  `INSERT INTO orders SELECT g, 'customer ' || (g % 97), g * 1.25, g / 3.0::float8,
                             timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',
                             jsonb_build_object('n', g, 'odd', g % 2 = 1), CASE WHEN g % 10 = 0 THEN NULL ELSE 'n' END
                        FROM generate_series(1, 5000) g`,
  `CREATE TABLE lines (order_id bigint, line int, sku text, PRIMARY KEY (order_id, line))`,
  `INSERT INTO lines SELECT g / 3, g % 3, 'sku-' || g FROM generate_series(3, 3002) g`,
  `CREATE TABLE skus (code text PRIMARY KEY, label text)`,
  `INSERT INTO skus SELECT 'Sku-' || g, 'Label ' || g FROM generate_series(1, 700) g`,
  `CREATE TABLE audit (at timestamptz, what text)`,
  `INSERT INTO audit SELECT timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second', 'x' || g FROM generate_series(1, 300) g`,
];

const PLAN: ValidationPlan = {
  mode: 'checksums',
  maxBytes: 1e12,
  timeBudgetSeconds: 60,
  chunkRows: 1000,
  rechecks: 1,
};

const gateway = makeValidationGateway(async () => 'inspect-test');

const open = () =>
  gateway.open(
    { host: '127.0.0.1', port: blue.server.port, name: DB, user: 'postgres', passwordParameter: '/unused' },
    { host: '127.0.0.1', port: green.server.port },
    30_000,
  );

const round = async (
  plan: ValidationPlan,
  previous: ValidationResult | null = null,
  replication: 'logical' | 'physical' = 'logical',
) => {
  const sessions = await open();
  try {
    return await runValidationRound(sessions, {
      phase: 'before-approval',
      plan,
      replication,
      inspection: null,
      previous,
      now: () => Date.now(),
    });
  } finally {
    await Promise.all([sessions.blue.close(), sessions.green.close()]);
  }
};

const onGreen = (sql: string) => green.server.query(sql, [], DB);
const onBlue = (sql: string) => blue.server.query(sql, [], DB);

beforeAll(async () => {
  [blue, green] = await Promise.all([startTestServer(17), startTestServer(18)]);
  // Each test server has its own CA: trust both, verified, as connectPostgres always does.
  const cas = join(mkdtempSync(join(tmpdir(), 'switchyard-validation-ca-')), 'cas.pem');
  writeFileSync(cas, readFileSync(blue.caFile, 'utf8') + readFileSync(green.caFile, 'utf8'));
  process.env.SWITCHYARD_DB_EXTRA_CA_FILE = cas;
  for (const side of [blue, green]) {
    await side.createDatabase(DB);
    for (const sql of SCHEMA) await side.server.query(sql, [], DB);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([blue?.stop(), green?.stop()]);
});

describe('validation queries on PostgreSQL 17 (blue) and 18 (green)', () => {
  it('finds equal data equal across the two majors, range by range', async () => {
    const r = await round(PLAN);
    expect(r.differences).toEqual([]);
    expect(r.status).toBe('passed');
    expect(r.tables).toBe(4);
    expect(r.rows).toBe(5000 + 3000 + 700 + 300);
    // orders: 5 ranges of 1000; lines: 3; skus: 1; audit (no key): 1 whole-table checksum
    expect(r.ranges).toBe(10);
    expect(r.bytes).toBeGreaterThan(300_000);
  });

  it('names the key range of a row changed on green once the rechecks are spent', async () => {
    await onGreen(`UPDATE orders SET note = 'edited on green' WHERE id = 2500`);
    try {
      const first = await round(PLAN);
      expect(first.status).toBe('recheck');
      expect(first.pending.map((p) => p.from)).toEqual([['2001']]);
      const second = await round(PLAN, first);
      expect(second.status).toBe('drift');
      expect(second.rangesRechecked).toBe(1);
      expect(second.differences).toEqual([
        {
          table: 'public.orders',
          range: 'id in [2001, 3001)',
          blueRows: 1000,
          greenRows: 1000,
          checksumDiffers: true,
        },
      ]);
      expect(second.summary).toContain('public.orders id in [2001, 3001)');
    } finally {
      await onGreen(`UPDATE orders SET note = NULL WHERE id = 2500`); // as loaded (id % 10 = 0)
    }
  });

  it('finds a row missing on green in a composite and a text key', async () => {
    await onGreen(`DELETE FROM lines WHERE order_id = 500 AND line = 1`);
    await onGreen(`DELETE FROM skus WHERE code = 'Sku-42'`);
    try {
      const first = await round({ ...PLAN, rechecks: 0 });
      expect(first.status).toBe('drift');
      expect(first.differences.map((d) => [d.table, d.range, d.blueRows - d.greenRows])).toEqual([
        // row 1001 of lines is (334, 1), row 2001 is (667, 2)
        ['public.lines', '(order_id, line) in [(334, 1), (667, 2))', 1],
        // 700 rows: fewer than chunkRows, one range
        ['public.skus', 'whole table', 1],
      ]);
    } finally {
      await onGreen(`INSERT INTO lines VALUES (500, 1, 'sku-1501')`);
      await onGreen(`INSERT INTO skus VALUES ('Sku-42', 'Label 42')`);
    }
  });

  it('passes on the recheck when a write in flight reaches green', async () => {
    await onBlue(`INSERT INTO orders (id, customer) VALUES (9001, 'late')`);
    try {
      const first = await round(PLAN);
      expect(first.status).toBe('recheck');
      expect(first.differences[0]).toMatchObject({
        table: 'public.orders',
        range: 'id in [9001, +∞)',
        blueRows: 1,
        greenRows: 0,
      });
      expect(first.pending[0]?.through).toEqual(['9001']);
      await onGreen(`INSERT INTO orders (id, customer) VALUES (9001, 'late')`); // replication catches up
      // a newer insert, not yet on green, lies beyond the recheck's bound: it is not waited for
      await onBlue(`INSERT INTO orders (id, customer) VALUES (9002, 'newer')`);
      const second = await round(PLAN, first);
      expect(second.differences).toEqual([]);
      expect(second.status).toBe('passed');
      expect(second.rangesRechecked).toBe(1);
      expect(second.rows).toBe(first.rows);
    } finally {
      await onBlue('DELETE FROM orders WHERE id IN (9001, 9002)');
      await onGreen('DELETE FROM orders WHERE id = 9001');
    }
  });

  it('counts mode sees a missing row but not a changed value (that is what checksums are for)', async () => {
    await onGreen(`UPDATE audit SET what = 'changed' WHERE what = 'x7'`);
    try {
      const counts = await round({ ...PLAN, mode: 'counts', rechecks: 0 });
      expect(counts.status).toBe('passed');
      expect(counts.ranges).toBe(4);
      const sums = await round({ ...PLAN, rechecks: 0 });
      expect(sums.differences.map((d) => [d.table, d.range])).toEqual([['public.audit', 'whole table']]);
    } finally {
      await onGreen(`UPDATE audit SET what = 'x7' WHERE what = 'changed'`);
    }
  });

  it('physical replication counts every table and checksums only the first and last range', async () => {
    const r = await round(PLAN, null, 'physical');
    expect(r.status).toBe('passed');
    expect(r.sampled).toContain('byte copy');
    expect(r.rows).toBe(9000);
    // 4 counts + orders 2 sampled ranges + lines 2 + skus 1
    expect(r.ranges).toBe(9);
  });

  it('lists the tables over the size cap and the time budget instead of comparing them', async () => {
    const capped = await round({ ...PLAN, maxBytes: 1 });
    expect(capped.tables).toBe(0);
    expect(capped.notCompared.map((n) => n.name)).toEqual([
      'public.audit',
      'public.lines',
      'public.orders',
      'public.skus',
    ]);
    let t = 0;
    const sessions = await open();
    try {
      const budget = await runValidationRound(sessions, {
        phase: 'before-switch',
        plan: { ...PLAN, timeBudgetSeconds: 1 },
        replication: 'logical',
        inspection: null,
        previous: null,
        now: () => (t += 400), // each read of the clock advances 0.4 s
      });
      expect(budget.status).toBe('incomplete');
      expect(budget.notCompared.some((n) => n.why.startsWith('time budget'))).toBe(true);
    } finally {
      await Promise.all([sessions.blue.close(), sessions.green.close()]);
    }
  });

  it('opens read-only sessions: the checksum session cannot write', async () => {
    const sessions = await open();
    const s = sessions.blue as ValidationSession & { digest: ValidationSession['digest'] };
    try {
      await expect(
        s.digest(
          {
            table: 'x',
            schema: 'public',
            relation: 'orders; DELETE FROM orders',
            key: [],
            keySql: [],
            from: null,
            to: null,
          },
          'counts',
        ),
      ).rejects.toThrow(/does not exist/);
      expect((await onBlue('SELECT count(*)::int AS n FROM orders'))[0]).toEqual({ n: 5000 });
    } finally {
      await Promise.all([sessions.blue.close(), sessions.green.close()]);
    }
  });
});
