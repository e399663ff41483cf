/**
 * Validation throughput: blue (PostgreSQL 17) and green (18) servers holding the same table at 1×, 10×
 * and 100× rows, compared by the real gateway and the real round (checksums of 100,000-row key ranges,
 * both sides read in parallel through connectPostgres, verified TLS). Throughput is the bytes of row
 * text hashed on blue per second of wall time (green hashes the same amount at the same time).
 * Target: ≥ 100 MB/s, linear in rows.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgServer } from '../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../emulator/tls.ts';
import { freePort } from '../emulator/util.ts';
import { makeValidationGateway } from '../src/aws/validation-gateway.ts';
import { runValidationRound } from '../src/lib/validate-data.ts';
import { type Summary, summarize } from './stats.ts';

export interface ValidationBenchSize {
  rows: number;
  bytes: number;
  ranges: number;
  wallMs: Summary;
  mbPerSecond: number | null;
}

export interface ValidationBench {
  runs: number;
  chunkRows: number;
  sizes: ValidationBenchSize[];
  /** median wall at the largest size / median at the smallest, and the row ratio beside it */
  ratio: number | null;
  rowRatio: number;
}

const CHUNK_ROWS = 100_000;

const load = async (server: PgServer, db: string, rows: number) => {
  await server.query(`CREATE DATABASE ${db}`);
  await server.query(
    `CREATE TABLE orders (id bigint PRIMARY KEY, customer text NOT NULL, total numeric(12,2), placed timestamptz, note text)`,
    [],
    db,
  );
  await server.query(
    `INSERT INTO orders SELECT g, 'customer-' || (g % 1000), g * 0.37, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
            repeat(md5(g::text), 2) FROM generate_series(1, ${rows}) g`,
    [],
    db,
  );
  await server.query('VACUUM ANALYZE orders', [], db);
};

export const benchValidation = async (
  runs: number,
  log: (line: string) => void,
  sizes = [20_000, 200_000, 2_000_000],
): Promise<ValidationBench> => {
  const base = mkdtempSync(join(tmpdir(), 'switchyard-validation-bench-'));
  chmodSync(base, 0o755); // PostgreSQL runs as the postgres OS user
  const tlsBlue = ensureEmulatorTls(join(base, 'tls-blue'));
  const tlsGreen = ensureEmulatorTls(join(base, 'tls-green'));
  const server = async (id: string, major: number, tls: typeof tlsBlue) =>
    new PgServer({
      id,
      dir: join(base, id),
      port: await freePort(),
      major,
      superuser: 'postgres',
      password: 'bench',
      tls,
    });
  const blue = await server('blue', 17, tlsBlue);
  const green = await server('green', 18, tlsGreen);
  const caFile = join(base, 'cas.pem');
  writeFileSync(caFile, readFileSync(tlsBlue.caFile, 'utf8') + readFileSync(tlsGreen.caFile, 'utf8'));
  const previousCa = process.env.SWITCHYARD_DB_EXTRA_CA_FILE;
  process.env.SWITCHYARD_DB_EXTRA_CA_FILE = caFile;
  const gateway = makeValidationGateway(async () => 'bench');
  const out: ValidationBenchSize[] = [];
  try {
    for (const s of [blue, green]) {
      await s.initdb();
      await s.start();
    }
    for (const rows of sizes) await Promise.all([blue, green].map((s) => load(s, `rows_${rows}`, rows)));
    const samples = new Map<number, number[]>(sizes.map((s) => [s, []]));
    const last = new Map<number, { bytes: number; ranges: number; rows: number }>();
    // Side by side: the sizes alternate within each round, so machine noise hits all alike.
    for (let run = 0; run < runs; run++) {
      for (const rows of sizes) {
        const t0 = performance.now();
        const sessions = await gateway.open(
          {
            host: '127.0.0.1',
            port: blue.port,
            name: `rows_${rows}`,
            user: 'postgres',
            passwordParameter: '/bench',
          },
          { host: '127.0.0.1', port: green.port },
          600_000,
        );
        try {
          const r = await runValidationRound(sessions, {
            phase: 'before-approval',
            plan: {
              mode: 'checksums',
              maxBytes: 1e12,
              timeBudgetSeconds: 600,
              chunkRows: CHUNK_ROWS,
              rechecks: 1,
            },
            replication: 'logical',
            inspection: null,
            previous: null,
            now: () => Date.now(),
          });
          if (r.status !== 'passed') throw new Error(`validation bench: ${r.summary}`);
          last.set(rows, { bytes: r.bytes, ranges: r.ranges, rows: r.rows });
        } finally {
          await Promise.all([sessions.blue.close(), sessions.green.close()]);
        }
        samples.get(rows)?.push(performance.now() - t0);
      }
    }
    for (const rows of sizes) {
      const wallMs = summarize(samples.get(rows) ?? []);
      const seen = last.get(rows) ?? { bytes: 0, ranges: 0, rows: 0 };
      const mbPerSecond = wallMs.median
        ? Number((seen.bytes / 1e6 / (wallMs.median / 1000)).toFixed(1))
        : null;
      log(
        `  ${rows} rows (${(seen.bytes / 1e6).toFixed(1)} MB, ${seen.ranges} ranges): median ${wallMs.median?.toFixed(0)} ms, ${mbPerSecond} MB/s (n=${wallMs.n})`,
      );
      out.push({ rows, bytes: seen.bytes, ranges: seen.ranges, wallMs, mbPerSecond });
    }
  } finally {
    if (previousCa === undefined) delete process.env.SWITCHYARD_DB_EXTRA_CA_FILE;
    else process.env.SWITCHYARD_DB_EXTRA_CA_FILE = previousCa;
    for (const s of [blue, green]) {
      await s.closePools().catch(() => undefined);
      await s.stop().catch(() => undefined);
    }
    rmSync(base, { recursive: true, force: true });
  }
  const first = out[0]?.wallMs.median;
  const lastMedian = out.at(-1)?.wallMs.median;
  return {
    runs,
    chunkRows: CHUNK_ROWS,
    sizes: out,
    ratio: first && lastMedian ? Number((lastMedian / first).toFixed(2)) : null,
    rowRatio: (sizes.at(-1) ?? 1) / (sizes[0] ?? 1),
  };
};
