/**
 * The full physical Blue/Green lifecycle on real PostgreSQL (same major): green built as a streaming
 * replica, switchover with renames and a moved endpoint, old blue read-only, deletion; plus the data
 * guarantees (rows before/during provisioning on green, acknowledged writes never lost, clients land on green).
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BlueGreenDeploymentNotFoundFault,
  CreateBlueGreenDeploymentCommand,
  type DBInstance,
  DeleteBlueGreenDeploymentCommand,
  DeleteDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  InvalidBlueGreenDeploymentStateFault,
  type RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { isAlive, query, rdsClient, stopAndCheck, unretriedAt, Writer, waitUntil } from './helpers.ts';

let emu: Emulator;
let rds: RDSClient;
const arn = (id: string) => `arn:aws:rds:us-east-1:123456789012:db:${id}`;

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 200, delays: { taskMs: 400 } });
  rds = rdsClient(emu);
});
afterAll(async () => {
  await stopAndCheck(emu);
});

const describeDep = async (id: string) =>
  (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];
const instance = async (id: string): Promise<DBInstance | undefined> =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
const waitStatus = (id: string, status: string, timeoutMs = 60_000) =>
  waitUntil(
    `${id} ${status}`,
    async () => {
      const d = await describeDep(id);
      if (
        d?.Status === 'INVALID_CONFIGURATION' ||
        (d?.Status === 'SWITCHOVER_FAILED' && status !== 'SWITCHOVER_FAILED')
      )
        throw new Error(`${d.Status}: ${d.StatusDetails}`);
      return d?.Status === status ? d : undefined;
    },
    timeoutMs,
  );

/** The PostgreSQL server port behind a connection (tells blue's server from green's). */
const serverPort = async (cfg: pg.ClientConfig): Promise<number> =>
  Number((await query<{ p: number }>(cfg, 'SELECT inet_server_port() AS p'))[0]?.p);

const statePorts = async (): Promise<Record<string, number>> => {
  const s = (await (await fetch(`${emu.url}/_switchyard/state`)).json()) as {
    instances: Array<{ id: string; server?: { port: number } }>;
  };
  return Object.fromEntries(s.instances.map((i) => [i.id, i.server?.port ?? 0]));
};

describe('physical Blue/Green lifecycle', () => {
  it('creates green by streaming replication, switches over without losing acknowledged writes, and deletes', async () => {
    const blue = await instance('orders-db');
    const endpointPort = blue?.Endpoint?.Port;
    await query(
      emu.connectionConfig('orders-db'),
      "INSERT INTO orders (customer_id, status, amount_cents) SELECT 1, 'before', 1 FROM generate_series(1, 25)",
    );
    const writer = new Writer(() => emu.connectionConfig('orders-db')).start();

    const created = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'orders-class-change',
        Source: arn('orders-db'),
        TargetDBParameterGroupName: 'orders-pg17',
        TargetDBInstanceClass: 'db.r7g.large',
        Tags: [{ Key: 'switchyard:execution', Value: 'exec-phys' }],
      }),
    );
    const id = created.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    // Rows written while green is being provisioned.
    const during = await describeDep(id);
    expect(during?.Status).toBe('PROVISIONING');
    await query(
      emu.connectionConfig('orders-db'),
      "INSERT INTO orders (customer_id, status, amount_cents) SELECT 2, 'during', 1 FROM generate_series(1, 25)",
    );
    const provisioning = await waitUntil('Target set', async () => {
      const d = await describeDep(id);
      return d?.Target ? d : undefined;
    });
    expect(provisioning.Target).toMatch(/:db:orders-db-green-[a-z0-9]{6}$/);
    expect(provisioning.SwitchoverDetails?.[0]).toMatchObject({
      SourceMember: arn('orders-db'),
      TargetMember: provisioning.Target,
    });

    const ready = await waitStatus(id, 'AVAILABLE');
    expect(ready.Tasks?.every((t) => t.Status === 'COMPLETED')).toBe(true);
    expect(ready.SwitchoverDetails?.[0]?.Status).toBe('AVAILABLE');
    const greenId = ready.Target?.split(':db:')[1] as string;
    const green = await instance(greenId);
    expect(green).toMatchObject({
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.r7g.large',
      EngineVersion: blue?.EngineVersion,
    });
    expect(green?.DbiResourceId).not.toBe(blue?.DbiResourceId);
    expect(emu.events().find((e) => e.detail.EventID === 'RDS-EVENT-0244')?.detail).toMatchObject({
      SourceIdentifier: id,
      SourceType: 'BLUE_GREEN_DEPLOYMENT',
      Tags: { 'switchyard:execution': 'exec-phys' },
    });

    // Green is a read-only physical standby.
    const greenCfg = emu.connectionConfig(greenId);
    expect((await query<{ r: boolean }>(greenCfg, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    await expect(
      query(greenCfg, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (3, 'x', 1)"),
    ).rejects.toThrow(/read-only/);
    await waitUntil(
      'during rows on green',
      async () =>
        Number(
          (
            await query<{ n: string }>(greenCfg, "SELECT count(*) AS n FROM orders WHERE status = 'during'")
          )[0]?.n,
        ) === 25,
    );

    // ReplicaLag (seconds) on green, computed live.
    const cw = new CloudWatchClient(unretriedAt(emu));
    const now = new Date();
    const lag = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 300_000),
        EndTime: now,
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/RDS',
                MetricName: 'ReplicaLag',
                Dimensions: [{ Name: 'DBInstanceIdentifier', Value: greenId }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(lag.MetricDataResults?.[0]?.Values).toHaveLength(1);
    expect(lag.MetricDataResults?.[0]?.Values?.[0]).toBeGreaterThanOrEqual(0);
    expect(lag.MetricDataResults?.[0]?.Timestamps?.[0]).toBeInstanceOf(Date);

    // A client that stays connected through the endpoint lands on green after the switch.
    const ports = await statePorts();
    expect(await serverPort(emu.connectionConfig('orders-db'))).toBe(ports['orders-db']);

    const sw = await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, SwitchoverTimeout: 60 }),
    );
    expect(sw.BlueGreenDeployment?.Status).toBe('SWITCHOVER_IN_PROGRESS');
    expect(sw.BlueGreenDeployment?.SwitchoverDetails?.[0]?.Status).toBe('AVAILABLE');
    const done = await waitStatus(id, 'SWITCHOVER_COMPLETED');
    expect(done.Source).toBe(arn('orders-db-old1'));
    expect(done.Target).toBe(arn('orders-db'));
    expect(done.SwitchoverDetails).toEqual([
      { SourceMember: arn('orders-db-old1'), TargetMember: arn('orders-db'), Status: 'SWITCHOVER_COMPLETED' },
    ]);

    await new Promise((r) => setTimeout(r, 300));
    await writer.stop();
    const primary = await instance('orders-db');
    const old = await instance('orders-db-old1');
    expect(primary?.DbiResourceId).toBe(green?.DbiResourceId);
    expect(primary?.Endpoint?.Port).toBe(endpointPort);
    expect(primary?.TagList).toEqual(blue?.TagList);
    expect(old?.DbiResourceId).toBe(blue?.DbiResourceId);
    expect(old?.Endpoint?.Port).not.toBe(endpointPort);
    expect(old?.DBInstanceStatus).toBe('available');
    await expect(instance(greenId)).rejects.toThrow(/not found/);

    // The stable endpoint now reaches green's server, which is a writable primary.
    expect(await serverPort(emu.connectionConfig('orders-db'))).toBe(ports[greenId]);
    const primaryCfg = emu.connectionConfig('orders-db');
    expect((await query<{ r: boolean }>(primaryCfg, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    const counts = await query<{ status: string; n: string }>(
      primaryCfg,
      "SELECT status, count(*) AS n FROM orders WHERE status IN ('before','during') GROUP BY status ORDER BY status",
    );
    expect(counts).toEqual([
      { status: 'before', n: '25' },
      { status: 'during', n: '25' },
    ]);
    // Every write the endpoint acknowledged, before, during and after the switch, is on the new primary.
    expect(writer.acked.length).toBeGreaterThan(20);
    const present = await query<{ id: string }>(
      primaryCfg,
      'SELECT id::text FROM orders WHERE id = ANY($1::bigint[])',
      [writer.acked],
    );
    expect(present.length).toBe(writer.acked.length);
    await query(primaryCfg, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (4, 'after', 1)");

    // Old blue stays read-only.
    const oldCfg = emu.connectionConfig('orders-db-old1');
    expect((await query<{ v: string }>(oldCfg, 'SHOW default_transaction_read_only'))[0]).toEqual({
      default_transaction_read_only: 'on',
    });
    await expect(
      query(oldCfg, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (5, 'x', 1)"),
    ).rejects.toThrow(/read-only/);

    const ids = emu
      .events()
      .filter((e) => e.detail.SourceIdentifier === id)
      .map((e) => e.detail.EventID);
    expect(ids).toEqual([
      'RDS-EVENT-0244',
      'RDS-EVENT-0247',
      'RDS-EVENT-0250',
      'RDS-EVENT-0251',
      'RDS-EVENT-0248',
    ]);

    // DeleteTarget is refused after the switchover; a plain delete removes only the deployment.
    await expect(
      rds.send(
        new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, DeleteTarget: true }),
      ),
    ).rejects.toBeInstanceOf(InvalidBlueGreenDeploymentStateFault);
    const del = await rds.send(new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    expect(del.BlueGreenDeployment?.Status).toBe('DELETING');
    await waitUntil(
      'deployment gone',
      async () => (await describeDep(id).catch((e: Error) => e)) instanceof BlueGreenDeploymentNotFoundFault,
    );
    expect((await instance('orders-db-old1'))?.DBInstanceStatus).toBe('available');
  });

  it('DeleteTarget=false promotes green to a standalone instance; DeleteTarget=true removes it', async () => {
    const keep = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'keep-green',
        Source: arn('orders-db'),
      }),
    );
    const keepId = keep.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitStatus(keepId, 'AVAILABLE');
    const keptId = ready.Target?.split(':db:')[1] as string;
    await rds.send(
      new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: keepId, DeleteTarget: false }),
    );
    await waitUntil(
      'deployment gone',
      async () =>
        (await describeDep(keepId).catch((e: Error) => e)) instanceof BlueGreenDeploymentNotFoundFault,
    );
    const kept = emu.connectionConfig(keptId);
    expect((await query<{ r: boolean }>(kept, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    await query(kept, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (6, 'standalone', 1)");
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: keptId, SkipFinalSnapshot: true }));

    const drop = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'drop-green',
        Source: arn('orders-db'),
      }),
    );
    const dropId = drop.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready2 = await waitStatus(dropId, 'AVAILABLE');
    const droppedId = ready2.Target?.split(':db:')[1] as string;
    const pidsBefore = emu.postgresPids();
    await rds.send(
      new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: dropId, DeleteTarget: true }),
    );
    await waitUntil(
      'deployment gone',
      async () =>
        (await describeDep(dropId).catch((e: Error) => e)) instanceof BlueGreenDeploymentNotFoundFault,
    );
    await waitUntil(
      'green gone',
      async () => (await instance(droppedId).catch((e: Error) => e)) instanceof Error,
    );
    const stopped = pidsBefore.filter((p) => !emu.postgresPids().includes(p));
    expect(stopped.length).toBeGreaterThanOrEqual(1);
    expect(stopped.some(isAlive)).toBe(false);
    // Blue keeps no replication slot for the removed green.
    expect(
      await query(emu.connectionConfig('orders-db'), 'SELECT slot_name FROM pg_replication_slots'),
    ).toEqual([]);
  });

  it('a second switchover names the old blue -old2', async () => {
    const c = await rds.send(
      new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: 'again', Source: arn('orders-db') }),
    );
    const id = c.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    await waitStatus(id, 'AVAILABLE');
    await rds.send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    const done = await waitStatus(id, 'SWITCHOVER_COMPLETED');
    expect(done.Source).toBe(arn('orders-db-old2'));
    const all = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.map(
      (i) => i.DBInstanceIdentifier,
    ).sort();
    expect(all).toEqual(['orders-db', 'orders-db-old1', 'orders-db-old2']);
    const [row] = await query<{ n: string }>(
      emu.connectionConfig('orders-db'),
      "SELECT count(*) AS n FROM orders WHERE status IN ('after','before','during')",
    );
    expect(row?.n).toBe('51');
    await rds.send(new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    await emu.idle();
  });
});
