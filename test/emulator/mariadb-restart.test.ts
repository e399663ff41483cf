/**
 * MariaDB state across an emulator restart from the same data dir: instances come back on their endpoint
 * ports, green is re-pointed at blue's server (which may have a new port) and keeps replicating, green
 * stays read-only, and no mariadbd survives stop(). Skipped, with the install command, without MariaDB.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBlueGreenDeploymentCommand, DescribeBlueGreenDeploymentsCommand } from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { MARIADB_INSTALL_HINT, mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { isAlive, rdsClient, waitUntil } from './helpers.ts';

vi.setConfig({ testTimeout: 180_000 });

const available = mariadbAvailable();
if (!available)
  console.warn(
    `MariaDB restart test skipped: the MariaDB binaries are missing. Install: ${MARIADB_INSTALL_HINT}`,
  );

const dataDir = mkdtempSync(join(tmpdir(), 'sy-mdb-restart-'));
chmodSync(dataDir, 0o755);
let emu: Emulator | undefined;

afterAll(async () => {
  await emu?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const sql = async <R>(e: Emulator, id: string, text: string): Promise<R[]> => {
  const c = e.connectionConfig(id);
  const conn = await mysql.createConnection({ ...c, database: c.database || undefined });
  conn.on('error', () => {});
  try {
    const [rows] = await conn.query(text);
    return rows as R[];
  } finally {
    await conn.end().catch(() => {});
  }
};

describe.skipIf(!available)('MariaDB across an emulator restart', () => {
  it('keeps instances, endpoints and replication; leaves no mariadbd behind', async () => {
    emu = await startEmulator({ dataDir, seedEngine: 'mariadb', seedRows: 50 });
    const rds = rdsClient(emu);
    const out = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'restart-check',
        Source: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
      }),
    );
    const id = out.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitUntil(
      'AVAILABLE',
      async () => {
        const d = (
          await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id }))
        ).BlueGreenDeployments?.[0];
        return d?.Status === 'AVAILABLE' ? d : undefined;
      },
      90_000,
      200,
    );
    const greenId = ready.Target?.split(':db:')[1] as string;
    const blueEndpoint = emu.endpoint('orders-db');
    const greenEndpoint = emu.endpoint(greenId);
    const pids = emu.postgresPids();
    expect(pids.length).toBe(2);
    await emu.stop();
    expect(pids.filter(isAlive)).toEqual([]);

    emu = await startEmulator({ dataDir, seedEngine: 'mariadb' });
    expect(emu.endpoint('orders-db')).toEqual(blueEndpoint);
    expect(emu.endpoint(greenId)).toEqual(greenEndpoint);
    await sql(
      emu,
      'orders-db',
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (5, 'after-restart', 5)",
    );
    const e = emu;
    await waitUntil('green replicates after the restart', async () => {
      const [r] = await sql<{ n: number }>(
        e,
        greenId,
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'after-restart'",
      );
      return Number(r?.n) === 1;
    });
    const [ro] = await sql<{ ro: number }>(emu, greenId, 'SELECT @@read_only AS ro');
    expect(Number(ro?.ro)).toBe(1);
    const again = emu.postgresPids();
    await emu.stop();
    emu = undefined;
    expect(again.filter(isAlive)).toEqual([]);
  });
});
