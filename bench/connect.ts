/**
 * What one PostgreSQL connection costs Switchyard (connect through the emulator's endpoint, verified TLS,
 * SCRAM), with the trusted CAs given as the 120-certificate RDS bundle plus the emulator CA on every
 * connection (`ca`, as connectPostgres did before) against one SecureContext built once
 * (databaseTlsOptions now), alternating, on one idle emulator. The fail-back opens such sessions in
 * every database step, so this cost is paid several times inside its write stall.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmulator } from '../emulator/index.ts';
import { databaseTlsOptions, EXTRA_CA_ENV, trustedDatabaseCas } from '../src/aws/pg-connection.ts';
import { type Summary, summarize } from './stats.ts';

export interface ConnectBench {
  connections: number;
  caEachTimeMs: Summary;
  cachedContextMs: Summary;
  /** median with the CAs parsed each time ÷ median with the cached context */
  ratio: number | null;
}

export const benchConnect = async (
  connections: number,
  log: (line: string) => void,
): Promise<ConnectBench> => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-connect-'));
  const emu = await startEmulator({ dataDir: dir, seedRows: 10 });
  const before = process.env[EXTRA_CA_ENV];
  process.env[EXTRA_CA_ENV] = emu.caFile;
  try {
    const c = emu.connectionConfig('orders-db');
    const once = async (ssl: pg.ClientConfig['ssl']): Promise<number> => {
      const t0 = performance.now();
      const client = new pg.Client({ ...c, ssl });
      await client.connect();
      const ms = performance.now() - t0;
      await client.query('SELECT 1');
      await client.end();
      return ms;
    };
    const eachTime: number[] = [];
    const cached: number[] = [];
    for (let i = 0; i < connections; i++) {
      eachTime.push(await once({ ca: trustedDatabaseCas(), rejectUnauthorized: true }));
      cached.push(await once(databaseTlsOptions()));
    }
    const caEachTimeMs = summarize(eachTime);
    const cachedContextMs = summarize(cached);
    log(
      `  connect: CAs parsed each time ${caEachTimeMs.median?.toFixed(1)} ms, cached context ${cachedContextMs.median?.toFixed(1)} ms`,
    );
    const ratio =
      caEachTimeMs.median && cachedContextMs.median
        ? Math.round((caEachTimeMs.median / cachedContextMs.median) * 10) / 10
        : null;
    return { connections, caEachTimeMs, cachedContextMs, ratio };
  } finally {
    if (before === undefined) delete process.env[EXTRA_CA_ENV];
    else process.env[EXTRA_CA_ENV] = before;
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
