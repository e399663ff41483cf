/**
 * Preflight's data-plane inspection on a large schema: one real PostgreSQL 17 server, a database of
 * 2,000 tables (and one of 200 beside it, for the ratio), inspected by the real gateway through
 * connectPostgres: connect, every fact family, evaluation of the rule table. Target: ≤ 2 s at 2,000.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgServer } from '../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../emulator/tls.ts';
import { freePort } from '../emulator/util.ts';
import { makeInspectionGateway } from '../src/aws/inspection-gateway.ts';
import { evaluateInspection } from '../src/domain/inspection/index.ts';
import { type Summary, summarize } from './stats.ts';

export interface InspectionBenchSize {
  tables: number;
  /** connect + catalog reads + rule evaluation, per run */
  totalMs: Summary;
  findings: Record<string, number>;
}

export interface InspectionBench {
  runs: number;
  sizes: InspectionBenchSize[];
  /** median at the largest size / median at the smallest */
  ratio: number | null;
}

/**
 * `tables` tables in a database of their own: 1 in 20 without a primary key, 1 in 50 unlogged, 1 in
 * 100 with a materialized view over it, every table with a bigserial key (a sequence) and 10 rows.
 */
const buildSchema = async (server: PgServer, db: string, tables: number): Promise<void> => {
  await server.query(`CREATE DATABASE ${db}`);
  await server.query(
    `DO $$ BEGIN
       FOR i IN 1..${tables} LOOP
         IF i % 20 = 0 THEN
           EXECUTE format('CREATE TABLE t%s (a int, b text)', i);
         ELSIF i % 50 = 1 THEN
           EXECUTE format('CREATE UNLOGGED TABLE t%s (id bigserial PRIMARY KEY, b text)', i);
         ELSE
           EXECUTE format('CREATE TABLE t%s (id bigserial PRIMARY KEY, b text)', i);
         END IF;
         EXECUTE format('INSERT INTO t%s (b) SELECT ''x'' FROM generate_series(1, 10)', i);
         IF i % 100 = 2 THEN
           EXECUTE format('CREATE MATERIALIZED VIEW mv%s AS SELECT count(*) FROM t%s', i, i);
         END IF;
       END LOOP;
     END $$`,
    [],
    db,
  );
  await server.query('ANALYZE', [], db);
};

export const benchInspection = async (
  runs: number,
  log: (line: string) => void,
  sizes = [200, 2000],
): Promise<InspectionBench> => {
  const base = mkdtempSync(join(tmpdir(), 'switchyard-inspection-bench-'));
  chmodSync(base, 0o755); // PostgreSQL runs as the postgres OS user
  const tls = ensureEmulatorTls(join(base, 'tls'));
  const server = new PgServer({
    id: 'blue',
    dir: join(base, 'blue'),
    port: await freePort(),
    major: 17,
    superuser: 'postgres',
    password: 'bench',
    tls,
  });
  const gateway = makeInspectionGateway(async () => 'bench');
  // Verified TLS, as Preflight connects: the bench server's CA joins the Amazon RDS ones.
  const previousCa = process.env.SWITCHYARD_DB_EXTRA_CA_FILE;
  process.env.SWITCHYARD_DB_EXTRA_CA_FILE = tls.caFile;
  const out: InspectionBenchSize[] = [];
  try {
    await server.initdb();
    await server.start();
    for (const tables of sizes) await buildSchema(server, `schema_${tables}`, tables);
    // Side by side: the sizes alternate within each round, so machine noise hits both alike.
    const samples = new Map<number, number[]>(sizes.map((s) => [s, []]));
    const findings = new Map<number, Record<string, number>>();
    for (let run = 0; run < runs; run++) {
      for (const tables of sizes) {
        const t0 = performance.now();
        const inspected = await gateway.inspectPostgres({
          host: '127.0.0.1',
          port: server.port,
          name: `schema_${tables}`,
          user: 'postgres',
          passwordParameter: '/bench',
        });
        const report = evaluateInspection({
          engine: 'postgres',
          replication: 'logical',
          facts: inspected.facts,
          summary: inspected.summary,
          waivers: [],
          database: `schema_${tables}`,
          endpoint: 'bench',
          durationMs: inspected.durationMs,
        });
        samples.get(tables)?.push(performance.now() - t0);
        findings.set(tables, Object.fromEntries(report.findings.map((f) => [f.rule, f.count])));
      }
    }
    for (const tables of sizes) {
      const s: InspectionBenchSize = {
        tables,
        totalMs: summarize(samples.get(tables) ?? []),
        findings: findings.get(tables) ?? {},
      };
      log(`  ${tables} tables: median ${s.totalMs.median?.toFixed(0)} ms (n=${s.totalMs.n})`);
      out.push(s);
    }
  } finally {
    if (previousCa === undefined) delete process.env.SWITCHYARD_DB_EXTRA_CA_FILE;
    else process.env.SWITCHYARD_DB_EXTRA_CA_FILE = previousCa;
    await server.closePools();
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
  const first = out[0]?.totalMs.median;
  const last = out.at(-1)?.totalMs.median;
  return { runs, sizes: out, ratio: first && last ? Number((last / first).toFixed(2)) : null };
};
