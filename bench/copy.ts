/**
 * The logical initial copy in isolation, to see where the rehearsal's copy throughput goes: two real
 * servers (PostgreSQL 17 → 18) with the emulator's own flags, `orders` seeded on blue, one
 * subscription per variant on a fresh green, timed from CREATE SUBSCRIPTION until every table is
 * `r` (ready) in pg_subscription_rel, plus building the indexes afterwards where the variant defers
 * them. Variants: the emulator's way (schema with indexes first, text copy), binary copy
 * (PostgreSQL 16+), relaxed durability on green (fsync, full_page_writes, synchronous_commit off,
 * 256 MB shared_buffers), and indexes built after the copy. The last variant is the emulator's own
 * `setupLogical` (schema copy, subscription, deferred indexes and constraints, green's build settings),
 * timed from its "subscription created" log line until it returns: copy and index builds together.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupLogical } from '../emulator/pg/logical.ts';
import { PgServer } from '../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../emulator/tls.ts';
import { freePort } from '../emulator/util.ts';

export interface CopyVariant {
  variant: string;
  tableMB: number;
  copyMs: number;
  indexMs: number;
  copyMBps: number;
  totalMBps: number;
}

const ORDERS = `CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer NOT NULL, status text NOT NULL DEFAULT 'new',
  amount_cents integer NOT NULL CHECK (amount_cents >= 0), created_at timestamptz NOT NULL DEFAULT now())`;
const TUNING = [
  'ALTER SYSTEM SET fsync = off',
  'ALTER SYSTEM SET full_page_writes = off',
  'ALTER SYSTEM SET synchronous_commit = off',
  "ALTER SYSTEM SET shared_buffers = '256MB'",
  "ALTER SYSTEM SET maintenance_work_mem = '256MB'",
  "ALTER SYSTEM SET max_wal_size = '4GB'",
];
const VARIANTS = [
  { name: 'indexes first, text copy (the emulator today)', deferIndexes: false, binary: false, tuned: false },
  { name: 'indexes first, binary copy', deferIndexes: false, binary: true, tuned: false },
  { name: 'indexes first, binary, relaxed durability', deferIndexes: false, binary: true, tuned: true },
  { name: 'indexes after, text copy', deferIndexes: true, binary: false, tuned: false },
  { name: 'indexes after, binary, relaxed durability', deferIndexes: true, binary: true, tuned: true },
];

export const benchCopy = async (rows: number, log: (line: string) => void): Promise<CopyVariant[]> => {
  const base = mkdtempSync(join(tmpdir(), 'switchyard-copy-bench-'));
  chmodSync(base, 0o755); // PostgreSQL runs as the postgres OS user
  const tls = ensureEmulatorTls(join(base, 'tls'));
  const servers: PgServer[] = [];
  const start = async (id: string, major: number): Promise<PgServer> => {
    const s = new PgServer({
      id,
      dir: join(base, id),
      port: await freePort(),
      major,
      superuser: 'postgres',
      password: 'bench',
      tls,
    });
    servers.push(s);
    await s.initdb();
    await s.start();
    return s;
  };
  const results: CopyVariant[] = [];
  try {
    const blue = await start('blue', 17);
    await blue.query(ORDERS);
    await blue.query('CREATE INDEX orders_customer_id_idx ON orders (customer_id)');
    await blue.query(
      `INSERT INTO orders (id, customer_id, status, amount_cents)
         SELECT g, 1 + (g % 97), (ARRAY['new','paid','shipped'])[1 + g % 3], 100 + (g * 37) % 9900 FROM generate_series(1, $1::int) g`,
      [rows],
    );
    await blue.query('CREATE PUBLICATION bench FOR ALL TABLES');
    const [size] = await blue.query<{ b: string }>(`SELECT pg_table_size('orders')::text AS b`);
    const tableMB = Number(size?.b ?? 0) / 1e6;
    for (const [i, v] of VARIANTS.entries()) {
      const green = await start(`green${i}`, 18);
      if (v.tuned) {
        for (const q of TUNING) await green.query(q);
        await green.restart();
      }
      await green.query(v.deferIndexes ? ORDERS.replace(' PRIMARY KEY', '') : ORDERS);
      if (!v.deferIndexes) await green.query('CREATE INDEX orders_customer_id_idx ON orders (customer_id)');
      const t0 = Date.now();
      await green.query(
        `CREATE SUBSCRIPTION bench_${i} CONNECTION '${blue.replicationConnInfo('postgres').replace(/'/g, "''")}' PUBLICATION bench WITH (copy_data = true${v.binary ? ', binary = true' : ''})`,
      );
      for (;;) {
        const [r] = await green.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'`,
        );
        if (r?.n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const copyMs = Date.now() - t0;
      const t1 = Date.now();
      if (v.deferIndexes) {
        await green.query('ALTER TABLE orders ADD PRIMARY KEY (id)');
        await green.query('CREATE INDEX orders_customer_id_idx ON orders (customer_id)');
      }
      const indexMs = Date.now() - t1;
      await green.query(`DROP SUBSCRIPTION bench_${i}`);
      await green.stop();
      const r: CopyVariant = {
        variant: v.name,
        tableMB,
        copyMs,
        indexMs,
        copyMBps: tableMB / (copyMs / 1000),
        totalMBps: tableMB / ((copyMs + indexMs) / 1000),
      };
      results.push(r);
      log(
        `  ${v.name.padEnd(52)} ${tableMB.toFixed(1)} MB: copy ${copyMs} ms (${r.copyMBps.toFixed(1)} MB/s) + indexes ${indexMs} ms → ${r.totalMBps.toFixed(1)} MB/s`,
      );
    }
    {
      const name = 'the emulator (setupLogical: deferred, binary)';
      const green = await start(`green${VARIANTS.length}`, 18);
      let subscribedAt = 0;
      await setupLogical(blue, green, 'bench_emulator', (line) => {
        if (/subscription .* created/.test(line)) subscribedAt = Date.now();
        log(`    ${line}`);
      });
      const copyMs = Date.now() - subscribedAt;
      await green.stop();
      const r: CopyVariant = {
        variant: name,
        tableMB,
        copyMs,
        indexMs: 0,
        copyMBps: tableMB / (copyMs / 1000),
        totalMBps: tableMB / (copyMs / 1000),
      };
      results.push(r);
      log(
        `  ${name.padEnd(52)} ${tableMB.toFixed(1)} MB: copy and indexes ${copyMs} ms → ${r.totalMBps.toFixed(1)} MB/s`,
      );
    }
  } finally {
    for (const s of servers) await s.stop().catch(() => {});
    rmSync(base, { recursive: true, force: true });
  }
  return results;
};
