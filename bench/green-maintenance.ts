/**
 * MaintainGreen's ANALYZE: a PostgreSQL 18 server set up like a logical-path green (read-only by default,
 * autovacuum off, so no statistics), TABLES tables of ROWS_PER_TABLE rows, analyzed by the real gateway
 * and the real round with 1 session and with 4 (`green.analyzeJobs`), alternating, so the machine's
 * noise hits both alike. The wall time is what a run waits before the approval.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgServer } from '../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../emulator/tls.ts';
import { freePort } from '../emulator/util.ts';
import { makeGreenMaintenanceGateway } from '../src/aws/green-maintenance-gateway.ts';
import { planGreenMaintenance } from '../src/domain/green-maintenance.ts';
import { runMaintenanceRound } from '../src/lib/maintain-green.ts';
import { type Summary, summarize } from './stats.ts';

export interface GreenMaintenanceBench {
  runs: number;
  tables: number;
  rows: number;
  byJobs: Array<{ jobs: number; wallMs: Summary; tablesAnalyzed: number }>;
  /** median wall with 1 session / with the most sessions */
  speedup: number | null;
}

const TABLES = 40;
const ROWS_PER_TABLE = 25_000;
const JOBS = [1, 4];

export const benchGreenMaintenance = async (
  runs: number,
  log: (line: string) => void,
): Promise<GreenMaintenanceBench> => {
  const base = mkdtempSync(join(tmpdir(), 'switchyard-green-maintenance-bench-'));
  chmodSync(base, 0o755); // PostgreSQL runs as the postgres OS user
  const tls = ensureEmulatorTls(join(base, 'tls'));
  const server = new PgServer({
    id: 'green',
    dir: join(base, 'green'),
    port: await freePort(),
    major: 18,
    superuser: 'postgres',
    password: 'bench',
    tls,
  });
  const previousCa = process.env.SWITCHYARD_DB_EXTRA_CA_FILE;
  process.env.SWITCHYARD_DB_EXTRA_CA_FILE = tls.caFile;
  const gateway = makeGreenMaintenanceGateway(async () => 'bench');
  const samples = new Map<number, number[]>(JOBS.map((j) => [j, []]));
  const analyzed = new Map<number, number>();
  try {
    await server.initdb();
    await server.start();
    await server.query('ALTER SYSTEM SET autovacuum = off');
    await server.query('SELECT pg_reload_conf()');
    for (let t = 0; t < TABLES; t++)
      await server.query(
        `CREATE TABLE t${t} (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2), placed timestamptz);
         INSERT INTO t${t} SELECT g, 'customer-' || (g % 1000), g * 0.37, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second'
           FROM generate_series(1, ${ROWS_PER_TABLE}) g`,
      );
    await server.query('ALTER SYSTEM SET default_transaction_read_only = on');
    await server.query('SELECT pg_reload_conf()');
    for (let run = 0; run < runs; run++) {
      for (const jobs of JOBS) {
        const plan = planGreenMaintenance(
          {
            analyze: 'always',
            refreshMaterializedViews: false,
            maintenanceTimeBudgetSeconds: 780,
            maintenanceDeadlineMinutes: 60,
            analyzeJobs: jobs,
          },
          {
            engine: 'postgres',
            replication: 'logical',
            currentEngineVersion: '17.10',
            targetEngineVersion: '18.4',
            hasDatabase: true,
          },
        );
        const t0 = performance.now();
        const r = await runMaintenanceRound(
          {
            open: (writable) =>
              gateway.open(
                { name: 'postgres', user: 'postgres', passwordParameter: '/bench' },
                { host: '127.0.0.1', port: server.port },
                writable,
              ),
            now: Date.now,
          },
          { plan, inspection: null, previous: null },
        );
        if (r.status !== 'done') throw new Error(`green maintenance bench: ${r.summary}`);
        samples.get(jobs)?.push(performance.now() - t0);
        analyzed.set(jobs, r.analyze.tables);
      }
    }
  } finally {
    if (previousCa === undefined) delete process.env.SWITCHYARD_DB_EXTRA_CA_FILE;
    else process.env.SWITCHYARD_DB_EXTRA_CA_FILE = previousCa;
    await server.closePools().catch(() => undefined);
    await server.stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  }
  const byJobs = JOBS.map((jobs) => ({
    jobs,
    wallMs: summarize(samples.get(jobs) ?? []),
    tablesAnalyzed: analyzed.get(jobs) ?? 0,
  }));
  for (const b of byJobs)
    log(
      `  ${b.jobs} session(s): median ${b.wallMs.median?.toFixed(0)} ms for ${b.tablesAnalyzed} tables (n=${b.wallMs.n})`,
    );
  const one = byJobs[0]?.wallMs.median ?? null;
  const most = byJobs.at(-1)?.wallMs.median ?? null;
  return {
    runs,
    tables: TABLES,
    rows: TABLES * ROWS_PER_TABLE,
    byJobs,
    speedup: one && most ? Number((one / most).toFixed(2)) : null,
  };
};
