/**
 * The reverse stream through the emulator, on its real servers: a Blue/Green deployment driven by the
 * RDS API, the gateway's prepare on green before SwitchoverBlueGreenDeployment, start after it, a write
 * load through the production endpoint the whole time; every write acknowledged by the new primary
 * after the switch reaches old blue exactly once, and stop leaves nothing behind. PostgreSQL 17 → 18
 * (logical path) and MariaDB (binlog GTID; skipped without Debian's MariaDB).
 */

import { join } from 'node:path';
import {
  CreateBlueGreenDeploymentCommand,
  CreateDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { socketPathFor } from '../../emulator/mariadb/server.ts';
import { EXTRA_CA_ENV } from '../../src/aws/pg-connection.ts';
import type { ReverseReplicationPair } from '../../src/aws/reverse-replication-gateway.ts';
import { makeMariadbReverseReplication } from '../../src/aws/reverse-replication-mariadb.ts';
import { makePostgresReverseReplication } from '../../src/aws/reverse-replication-postgres.ts';
import { reverseStreamName } from '../../src/domain/reverse-replication.ts';
import { query, rdsClient, sleep, stopAndCheck, Writer, waitUntil } from './helpers.ts';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

let emu: Emulator;
let rds: RDSClient;
const arn = (id: string) => `arn:aws:rds:us-east-1:123456789012:db:${id}`;
const PARAM = '/switchyard/test/reverse';
const readParameter = async (name: string) => {
  if (name !== PARAM) throw new Error(`unexpected parameter ${name}`);
  return emu.masterPassword;
};

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 200, delays: { taskMs: 50 } });
  rds = rdsClient(emu);
  process.env[EXTRA_CA_ENV] = emu.caFile;
});
afterAll(async () => {
  delete process.env[EXTRA_CA_ENV];
  await stopAndCheck(emu);
});

const endpointOf = async (id: string) => {
  const i = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
  if (!i?.Endpoint?.Address || !i.Endpoint.Port) throw new Error(`${id} has no endpoint`);
  return { host: i.Endpoint.Address, port: i.Endpoint.Port };
};

const target = async (id: string, name: string, engine: 'postgres' | 'mariadb') => ({
  ...(await endpointOf(id)),
  name,
  user: emu.connectionConfig(id).user as string,
  passwordParameter: PARAM,
  engine,
});

const waitStatus = (id: string, status: string) =>
  waitUntil(
    `${id} ${status}`,
    async () => {
      const d = (
        await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id }))
      ).BlueGreenDeployments?.[0];
      if (d?.Status === 'INVALID_CONFIGURATION' || d?.Status === 'SWITCHOVER_FAILED')
        throw new Error(`${d.Status}: ${d.StatusDetails}`);
      return d?.Status === status ? d : undefined;
    },
    120_000,
    200,
  );

describe('PostgreSQL 17 → 18: reverse stream through an emulated switchover', () => {
  it('keeps old blue current with every write acknowledged on the new primary, once', async () => {
    const gateway = makePostgresReverseReplication(readParameter);
    const db = emu.connectionConfig('orders-db').database as string;
    const writer = new Writer(() => emu.connectionConfig('orders-db'), 'reverse').start();
    const c = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'orders-reverse',
        Source: arn('orders-db'),
        TargetEngineVersion: '18',
        TargetDBParameterGroupName: 'orders-pg18',
      }),
    );
    const bg = c.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitStatus(bg, 'AVAILABLE');
    const greenId = ready.Target?.split(':db:')[1] as string;
    const executionName = 'orders-upgrade-2026-11-29';

    // Before the switch, on green (its own endpoint).
    const prepared = await gateway.prepare({
      newPrimary: await target(greenId, db, 'postgres'),
      oldBlue: await target('orders-db', db, 'postgres'),
      executionName,
    });
    expect(prepared.startPoint).toContain(`${db}@`);

    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: bg, SwitchoverTimeout: 120 }),
    );
    await waitStatus(bg, 'SWITCHOVER_COMPLETED');

    // The emulator, like RDS, leaves the slot and publication we made on green in place at the switch.
    const pair: ReverseReplicationPair = {
      newPrimary: await target('orders-db', db, 'postgres'),
      oldBlue: await target('orders-db-old1', db, 'postgres'),
      executionName,
    };
    const name = reverseStreamName(executionName, db);
    expect(
      await query(
        emu.connectionConfig('orders-db'),
        'SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1',
        [name],
      ),
    ).toHaveLength(1);

    const started = await gateway.start(pair);
    // The worker may take a moment to attach: that reads "connecting" (prepared) now, never broken.
    expect(['replicating', 'prepared']).toContain(started.state);
    await sleep(500);
    await writer.stop();
    expect(writer.acked.length).toBeGreaterThan(20);

    const ids = async (id: string) =>
      (await query<{ id: string }>(emu.connectionConfig(id), 'SELECT id::text FROM orders ORDER BY id')).map(
        (r) => r.id,
      );
    const expected = await ids('orders-db');
    await waitUntil(
      'old blue to match the new primary',
      async () => JSON.stringify(await ids('orders-db-old1')) === JSON.stringify(expected),
      30_000,
    );
    // Every acknowledged write, before and after the switch, is on old blue.
    const onOldBlue = new Set(await ids('orders-db-old1'));
    expect(writer.acked.filter((a) => !onOldBlue.has(a))).toEqual([]);
    const status = await waitUntil('replicating', async () => {
      const s = await gateway.status(pair);
      return s.state === 'replicating' ? s : undefined;
    });
    expect(status.lag).toBeGreaterThanOrEqual(0);

    await gateway.stop(pair);
    expect(
      await query(
        emu.connectionConfig('orders-db'),
        'SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1',
        [name],
      ),
    ).toEqual([]);
    expect((await gateway.status(pair)).state).toBe('absent');
  });
});

describe.skipIf(!mariadbAvailable())('MariaDB: old blue as a GTID replica of the new primary', () => {
  const mcfg = (id: string): mysql.ConnectionOptions => {
    const c = emu.connectionConfig(id);
    return {
      host: c.host,
      port: c.port,
      user: c.user,
      password: c.password,
      database: 'shop',
      ssl: c.ssl as mysql.SslOptions,
    };
  };
  const msql = async <R = Record<string, unknown>>(
    id: string,
    text: string,
    params: unknown[] = [],
  ): Promise<R[]> => {
    const c = await mysql.createConnection(mcfg(id));
    c.on('error', () => {});
    try {
      return (await c.query(text, params))[0] as R[];
    } finally {
      await c.end().catch(() => {});
    }
  };

  /** RDS's own account (the emulator's root) on an instance's server, over its unix socket. */
  const rootSql = async <T>(id: string, work: (c: mysql.Connection) => Promise<T>): Promise<T> => {
    const state = (await (await fetch(`${emu.url}/_switchyard/state`)).json()) as {
      instances: Array<{ id: string; server?: { id: string } }>;
    };
    const serverId = state.instances.find((i) => i.id === id)?.server?.id;
    if (!serverId) throw new Error(`${id} has no server`);
    const c = await mysql.createConnection({
      socketPath: socketPathFor(join(emu.dataDir, 'mariadb', serverId)),
      user: 'root',
    });
    try {
      return await work(c);
    } finally {
      await c.end().catch(() => {});
    }
  };

  it("through RDS's procedures only: applies every write made on the new primary after the switch once, breaks on a row missing on old blue, stop removes the connection, another source is never touched", async () => {
    const gateway = makeMariadbReverseReplication(readParameter);
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'shop-db',
        Engine: 'mariadb',
        DBInstanceClass: 'db.t4g.medium',
        MasterUsername: 'admin',
        MasterUserPassword: emu.masterPassword,
        DBName: 'shop',
        DBParameterGroupName: 'orders-mariadb',
        BackupRetentionPeriod: 7,
      }),
    );
    await waitUntil('shop-db available', async () => {
      const i = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'shop-db' })))
        .DBInstances?.[0];
      return i?.DBInstanceStatus === 'available';
    });
    await msql(
      'shop-db',
      'CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40) NOT NULL)',
    );
    await msql('shop-db', "INSERT INTO orders (note) SELECT 'initial' FROM seq_1_to_100");
    const c = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'shop-reverse',
        Source: arn('shop-db'),
        TargetEngineVersion: '10.11.20',
      }),
    );
    const bg = c.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitStatus(bg, 'AVAILABLE');
    const greenId = ready.Target?.split(':db:')[1] as string;
    const executionName = 'shop-minor-2026-11-29';
    const prepared = await gateway.prepare({
      newPrimary: await target(greenId, 'shop', 'mariadb'),
      oldBlue: await target('shop-db', 'shop', 'mariadb'),
      executionName,
    });
    expect(prepared.startPoint).toMatch(/^\d+-\d+-\d+/);
    await msql('shop-db', "INSERT INTO orders (note) SELECT 'before switch' FROM seq_1_to_30");

    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: bg, SwitchoverTimeout: 120 }),
    );
    await waitStatus(bg, 'SWITCHOVER_COMPLETED');
    // Writes on the new primary before the stream starts: they must reach old blue too.
    await msql('shop-db', "INSERT INTO orders (note) SELECT 'after switch' FROM seq_1_to_25");
    const pair: ReverseReplicationPair = {
      newPrimary: await target('shop-db', 'shop', 'mariadb'),
      oldBlue: await target('shop-db-old1', 'shop', 'mariadb'),
      executionName,
    };
    expect((await gateway.status(pair)).state).toBe('absent');
    // Right after START SLAVE the IO thread is still preparing: that is not a broken stream.
    expect((await gateway.start(pair)).state).toBe('replicating');
    await gateway.start(pair); // idempotent
    await msql('shop-db', "UPDATE orders SET note = 'updated on new primary' WHERE id = 3");
    await msql('shop-db', 'DELETE FROM orders WHERE id = 4');

    const rows = async (id: string) =>
      JSON.stringify(await msql(id, 'SELECT id, note FROM orders ORDER BY id'));
    const expected = await rows('shop-db');
    await waitUntil(
      'old blue to match the new primary',
      async () => (await rows('shop-db-old1')) === expected,
      30_000,
    );
    const [count] = await msql<{ n: number }>(
      'shop-db-old1',
      "SELECT COUNT(*) AS n FROM orders WHERE note = 'after switch'",
    );
    expect(Number(count?.n)).toBe(25);
    const ok = await waitUntil('replicating, caught up', async () => {
      const s = await gateway.status(pair);
      return s.state === 'replicating' && s.lag === 0 ? s : undefined;
    });
    expect(ok.lagUnit).toBe('transactions');
    // CheckReverseCatchUp's reader: the same reading again and again over the two sessions it opened.
    const reader = await gateway.openStatusReader(pair);
    try {
      for (let i = 0; i < 3; i++) expect(await reader.read()).toMatchObject({ state: 'replicating', lag: 0 });
      await reader.nudge(); // nothing to settle on MariaDB
    } finally {
      await reader.close();
    }
    await expect(reader.read()).rejects.toThrow(); // its sessions are closed
    // Old blue stays read-only to the master user while it applies.
    await expect(msql('shop-db-old1', "INSERT INTO orders (note) VALUES ('app')")).rejects.toThrow(
      /read-only/,
    );

    // Old blue stays read-only: the master user cannot lift it (no READ_ONLY ADMIN on RDS).
    await expect(msql('shop-db-old1', 'SET GLOBAL read_only = 0')).rejects.toMatchObject({ errno: 1227 });

    // Drift: a row the new primary wrote outside its binlog is missing on old blue; deleting it
    // replicates a delete old blue cannot apply, and its SQL thread stops. Only RDS's own account may
    // write outside the binlog (the master user has no BINLOG ADMIN): root over the server's socket.
    await rootSql('shop-db', async (root) => {
      await root.query('SET SESSION sql_log_bin = 0');
      await root.query("INSERT INTO shop.orders (id, note) VALUES (900000, 'not in the binlog')");
      await root.query('SET SESSION sql_log_bin = 1');
      await root.query('DELETE FROM shop.orders WHERE id = 900000');
    });
    const broken = await waitUntil('the conflict to break the stream', async () => {
      const s = await gateway.status(pair);
      return s.state === 'broken' ? s : undefined;
    });
    expect(broken.detail).toMatch(/SQL thread\): .*(Can't find record|1032)/);
    expect(broken.detail).toContain('CALL mysql.rds_start_replication');
    expect(broken.lag).toBeGreaterThan(0);

    await gateway.stop(pair);
    await gateway.stop(pair);
    const statusRows = async (id: string) =>
      (await msql<Array<Record<string, unknown>>>(id, 'CALL mysql.rds_replica_status'))[0] ?? [];
    expect(await statusRows('shop-db-old1')).toEqual([]);
    await rootSql('shop-db-old1', async (root) =>
      expect((await root.query('SHOW ALL SLAVES STATUS'))[0]).toEqual([]),
    );
    expect((await gateway.status(pair)).state).toBe('absent');

    // A default connection to another source (RDS's procedures manage one): status says broken with the
    // reason, start, stop and prepare refuse, and the connection is left exactly as it was.
    await msql(
      'shop-db-old1',
      "CALL mysql.rds_set_external_master_gtid('elsewhere.example', 3306, 'repl', 'pw', '', 0)",
    );
    const foreign = await gateway.status(pair);
    expect(foreign).toMatchObject({ state: 'broken' });
    expect(foreign.detail).toMatch(
      /already replicates from repl@elsewhere\.example:3306, not from the new primary/,
    );
    await expect(gateway.start(pair)).rejects.toThrow(/already replicates from repl@elsewhere\.example/);
    await expect(gateway.stop(pair)).rejects.toThrow(/already replicates from repl@elsewhere\.example/);
    await expect(gateway.prepare(pair)).rejects.toThrow(
      /already replicates from repl@elsewhere\.example:3306/,
    );
    expect(await statusRows('shop-db-old1')).toMatchObject([
      { Master_Host: 'elsewhere.example', Master_User: 'repl', Slave_IO_Running: 'No' },
    ]);
    await msql('shop-db-old1', 'CALL mysql.rds_reset_external_master');
  });
});
