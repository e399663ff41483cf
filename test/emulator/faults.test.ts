/**
 * Fault injection drives every failure branch the pipeline must handle, through real behaviour where there
 * is one: WAL replay really paused, a real open write transaction, a real rollback of the switchover.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BlueGreenDeploymentNotFoundFault,
  CreateBlueGreenDeploymentCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  InvalidBlueGreenDeploymentStateFault,
  InvalidDBInstanceStateFault,
  type RDSClient,
  RDSServiceException,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { credentials, query, rdsClient, sleep, stopAndCheck, unretriedAt, waitUntil } from './helpers.ts';

let emu: Emulator;
let rds: RDSClient;
let cw: CloudWatchClient;
const ARN = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 100 });
  rds = rdsClient(emu);
  cw = new CloudWatchClient(unretriedAt(emu));
});
afterAll(async () => {
  await stopAndCheck(emu);
});

const describeDep = async (id: string) =>
  (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];
const waitStatus = (id: string, ...statuses: string[]) =>
  waitUntil(`${id} ${statuses.join('|')}`, async () => {
    const d = await describeDep(id);
    return d?.Status && statuses.includes(d.Status) ? d : undefined;
  });
const create = async (name: string, extra: Record<string, string> = {}) =>
  (
    await rds.send(
      new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: name, Source: ARN, ...extra }),
    )
  ).BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
const deleteAll = async (id: string) => {
  await rds.send(
    new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, DeleteTarget: true }),
  );
  await waitUntil(
    'deleted',
    async () => (await describeDep(id).catch((e: Error) => e)) instanceof BlueGreenDeploymentNotFoundFault,
  );
};
const switchoverError = async (id: string): Promise<Error> => {
  const e = await rds
    .send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }))
    .then(
      () => new Error('switchover was accepted'),
      (err: Error) => err,
    );
  expect(e).toBeInstanceOf(InvalidBlueGreenDeploymentStateFault);
  expect((e as RDSServiceException).$metadata.httpStatusCode).toBe(400);
  return e;
};
const metric = async (name: string, instanceId: string): Promise<number | undefined> => {
  const now = new Date();
  const r = await cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - 60_000),
      EndTime: now,
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/RDS',
              MetricName: name,
              Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return r.MetricDataResults?.[0]?.Values?.[0];
};
const insertRows = (n: number, status = 'f') =>
  query(
    emu.connectionConfig('orders-db'),
    `INSERT INTO orders (customer_id, status, amount_cents) SELECT 1, $1, 1 FROM generate_series(1, ${n})`,
    [status],
  );

describe('provisioning faults', () => {
  it('green-invalid-configuration: INVALID_CONFIGURATION, the task FAILED, RDS-EVENT-0245', async () => {
    await emu.faults.inject({
      kind: 'green-invalid-configuration',
      reason: 'the target parameter group is incompatible',
    });
    const id = await create('fault-invalid');
    const d = await waitStatus(id, 'INVALID_CONFIGURATION');
    await emu.faults.clear();
    expect(d.Tasks?.[0]).toEqual({ Name: 'CREATING_READ_REPLICA_OF_SOURCE', Status: 'FAILED' });
    expect(d.StatusDetails).toBe('the target parameter group is incompatible');
    const ev = emu
      .events()
      .find((e) => e.detail.SourceIdentifier === id && e.detail.EventID === 'RDS-EVENT-0245');
    expect(ev?.detail.Message).toBe(
      'Creation of blue/green deployment failed because the target parameter group is incompatible.',
    );
    expect(ev?.['detail-type']).toBe('RDS Blue Green Deployment Event');
    await deleteAll(id);
  });

  it('slow-provisioning: stays PROVISIONING past a deadline; deleting it meanwhile removes the half-built green', async () => {
    await emu.faults.inject({ kind: 'slow-provisioning', ms: 60_000 });
    const id = await create('fault-slow');
    const d = await waitUntil('green exists', async () => {
      const x = await describeDep(id);
      return x?.Target ? x : undefined;
    });
    await sleep(1000);
    expect((await describeDep(id))?.Status).toBe('PROVISIONING');
    const greenId = d.Target?.split(':db:')[1] as string;
    await emu.faults.clear('slow-provisioning');
    await deleteAll(id);
    await waitUntil(
      'green gone',
      async () =>
        (await rds
          .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: greenId }))
          .catch((e: Error) => e)) instanceof Error,
    );
  });

  it('instance-state: sets the preflight fields, and creation refuses an instance that is not ready', async () => {
    await emu.faults.inject({
      kind: 'instance-state',
      instanceId: 'orders-db',
      patch: {
        DBInstanceStatus: 'modifying',
        PendingModifiedValues: { DBInstanceClass: 'db.r7g.large' },
        BackupRetentionPeriod: 0,
        ParameterApplyStatus: 'pending-reboot',
        Parameters: { 'rds.logical_replication': '0' },
      },
    });
    const i = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' })))
      .DBInstances?.[0];
    expect(i).toMatchObject({
      DBInstanceStatus: 'modifying',
      PendingModifiedValues: { DBInstanceClass: 'db.r7g.large' },
      BackupRetentionPeriod: 0,
      DBParameterGroups: [{ ParameterApplyStatus: 'pending-reboot' }],
    });
    const p = await rds.send(
      new DescribeDBParametersCommand({
        DBParameterGroupName: 'orders-pg17',
        Filters: [{ Name: 'parameter-name', Values: ['rds.logical_replication'] }],
      }),
    );
    expect(p.Parameters?.[0]?.ParameterValue).toBe('0');
    await expect(create('not-ready')).rejects.toBeInstanceOf(InvalidDBInstanceStateFault);
    await emu.faults.inject({
      kind: 'instance-state',
      instanceId: 'orders-db',
      patch: {
        DBInstanceStatus: 'available',
        BackupRetentionPeriod: 0,
        PendingModifiedValues: null,
        ParameterApplyStatus: 'in-sync',
      },
    });
    await expect(create('no-backups')).rejects.toThrow(/Automated backups/);
    await emu.faults.inject({
      kind: 'instance-state',
      instanceId: 'orders-db',
      patch: { BackupRetentionPeriod: 7 },
    });
    // rds.logical_replication=0: a major-version upgrade (logical path) is refused.
    const e = await create('no-logical', { TargetEngineVersion: '18' }).catch((err: Error) => err);
    expect((e as Error).name).toBe('SourceDatabaseNotSupportedFault');
    await emu.faults.inject({
      kind: 'instance-state',
      instanceId: 'orders-db',
      patch: { Parameters: { 'rds.logical_replication': '1' } },
    });
    expect(
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }))).DBInstances?.[0]
        ?.PendingModifiedValues,
    ).toBeUndefined();
  });
});

describe('switchover faults on a physical deployment', () => {
  let id: string;
  let greenId: string;

  beforeAll(async () => {
    // Events are best effort: this one is dropped, as a consumer must tolerate.
    await emu.faults.inject({ kind: 'drop-events', eventIds: ['RDS-EVENT-0244'] });
    id = await create('fault-switch');
    const d = await waitStatus(id, 'AVAILABLE');
    greenId = d.Target?.split(':db:')[1] as string;
    await emu.faults.clear('drop-events');
  });

  it('drop-events: the deployment is AVAILABLE but its RDS-EVENT-0244 never arrived', () => {
    expect(
      emu.events().some((e) => e.detail.SourceIdentifier === id && e.detail.EventID === 'RDS-EVENT-0244'),
    ).toBe(false);
  });

  it('replication-stall: ReplicaLag really grows while writes continue, and the switchover is refused', async () => {
    expect(await metric('ReplicaLag', greenId)).toBe(0);
    await emu.faults.inject({ kind: 'replication-stall' });
    await insertRows(10);
    await sleep(600);
    await insertRows(10);
    const lag1 = (await metric('ReplicaLag', greenId)) ?? 0;
    await sleep(600);
    const lag2 = (await metric('ReplicaLag', greenId)) ?? 0;
    expect(lag1).toBeGreaterThan(0.3);
    expect(lag2).toBeGreaterThan(lag1);
    const e = await switchoverError(id);
    expect(e.message).toMatch(/replication is not healthy \(WAL replay on green is paused\)/);
    await emu.faults.clear('replication-stall');
    await waitUntil('lag back to 0', async () => (await metric('ReplicaLag', greenId)) === 0);
  });

  it('long-running-write: a real open write transaction on blue blocks the switchover and is reported', async () => {
    await emu.faults.inject({ kind: 'long-running-write' });
    const e = await switchoverError(id);
    expect(e.message).toMatch(
      /long-running write transaction is active on DB instance orders-db \(pid \d+, application switchyard-fault-long-write, open for \d/,
    );
    await emu.faults.clear('long-running-write');
  });

  it('storage-optimization: green is not available, with the real RDS message', async () => {
    await emu.faults.inject({ kind: 'storage-optimization' });
    const g = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: greenId })))
      .DBInstances?.[0];
    expect(g?.DBInstanceStatus).toBe('storage-optimization');
    expect((await describeDep(id))?.Status).toBe('AVAILABLE');
    const e = await switchoverError(id);
    expect(e.message).toBe(`DB instance ${greenId} is not in available state`);
    await emu.faults.clear('storage-optimization');
  });

  it('switchover-fails: SWITCHOVER_FAILED, events 0252 + 0249, and everything rolled back', async () => {
    await emu.faults.inject({ kind: 'switchover-fails' });
    await rds.send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    const d = await waitStatus(id, 'SWITCHOVER_FAILED', 'SWITCHOVER_COMPLETED');
    await emu.faults.clear('switchover-fails');
    expect(d.Status).toBe('SWITCHOVER_FAILED');
    expect(d.SwitchoverDetails?.[0]?.Status).toBe('SWITCHOVER_FAILED');
    expect(d.StatusDetails).toMatch(/switchover-fails/);
    const ids = emu
      .events()
      .filter((e) => e.detail.SourceIdentifier === id)
      .map((e) => e.detail.EventID);
    expect(ids.slice(-2)).toEqual(['RDS-EVENT-0252', 'RDS-EVENT-0249']);
    // Names unchanged, blue writable again, green still replicating.
    expect(d.Source).toBe(ARN);
    await insertRows(1, 'after-fail');
    await waitUntil(
      'replicated',
      async () =>
        (await query(emu.connectionConfig(greenId), "SELECT 1 FROM orders WHERE status = 'after-fail'"))
          .length === 1,
    );
  });

  it('switchover-timeout: catch-up never completes in time; rolled back to exactly the previous state', async () => {
    await emu.faults.inject({ kind: 'switchover-timeout', timeoutMs: 1500 });
    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, SwitchoverTimeout: 30 }),
    );
    const d = await waitStatus(id, 'SWITCHOVER_FAILED', 'SWITCHOVER_COMPLETED');
    await emu.faults.clear('switchover-timeout');
    expect(d.Status).toBe('SWITCHOVER_FAILED');
    expect(d.StatusDetails).toMatch(/timeout/);
    const names = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.map((i) => [
      i.DBInstanceIdentifier,
      i.DBInstanceStatus,
    ]).sort();
    expect(names).toEqual([
      ['orders-db', 'available'],
      [greenId, 'available'],
    ]);
    await insertRows(1, 'after-timeout');
    await waitUntil(
      'replicated',
      async () =>
        (await query(emu.connectionConfig(greenId), "SELECT 1 FROM orders WHERE status = 'after-timeout'"))
          .length === 1,
    );
    expect(await metric('ReplicaLag', greenId)).toBe(0);
  });

  it('after the faults are cleared, the switchover is retried and succeeds', async () => {
    await rds.send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    const d = await waitStatus(id, 'SWITCHOVER_COMPLETED', 'SWITCHOVER_FAILED');
    expect(d.Status).toBe('SWITCHOVER_COMPLETED');
    expect(
      (
        await query(
          emu.connectionConfig('orders-db'),
          "SELECT 1 FROM orders WHERE status IN ('after-fail', 'after-timeout')",
        )
      ).length,
    ).toBe(2);
    await rds.send(new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    await emu.idle();
  });
});

describe('logical replication faults', () => {
  it('replication-stall disables the subscription (slot lag grows); DDL on blue degrades replication', async () => {
    const id = await create('fault-logical', { TargetEngineVersion: '18' });
    await waitStatus(id, 'AVAILABLE');
    await emu.faults.inject({ kind: 'replication-stall' });
    await insertRows(200);
    const lag = (await metric('OldestReplicationSlotLag', 'orders-db')) ?? 0;
    expect(lag).toBeGreaterThan(10_000);
    expect((await switchoverError(id)).message).toMatch(/not healthy/);
    await emu.faults.clear('replication-stall');
    await waitUntil(
      'slot lag shrinks',
      async () => ((await metric('OldestReplicationSlotLag', 'orders-db')) ?? lag) < lag,
    );

    await query(emu.connectionConfig('orders-db'), 'ALTER TABLE orders ADD COLUMN note text');
    const e = await switchoverError(id);
    expect(e.message).toMatch(/Replication degraded/);
    expect((await describeDep(id))?.StatusDetails).toBe('Replication degraded');
    await deleteAll(id);
  });
});

describe('throttling', () => {
  it('answers the next N AWS calls with Throttling (Query) / ThrottlingException (JSON)', async () => {
    await emu.faults.inject({ kind: 'throttle', calls: 2 });
    for (let i = 0; i < 2; i++) {
      const e = (await rds
        .send(new DescribeDBInstancesCommand({}))
        .catch((err: unknown) => err)) as RDSServiceException;
      expect(e).toBeInstanceOf(RDSServiceException);
      expect(e.name).toBe('Throttling');
      expect(e.$metadata.httpStatusCode).toBe(400);
    }
    expect((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.length).toBeGreaterThan(0);

    await emu.faults.inject({ kind: 'throttle', calls: 2 });
    const ssm = new SSMClient(unretriedAt(emu));
    const s = (await ssm
      .send(new GetParameterCommand({ Name: '/x' }))
      .catch((err: Error) => err)) as Error & { $metadata: { httpStatusCode: number } };
    expect(s.name).toBe('ThrottlingException');
    expect(s.$metadata.httpStatusCode).toBe(400);
    const c = (await metric('DatabaseConnections', 'orders-db').catch((err: Error) => err)) as Error;
    expect(c.name).toBe('Throttling');
    // The SDK's own retries get through once the throttled calls are used up.
    await emu.faults.inject({ kind: 'throttle', calls: 1 });
    const retrying = new SSMClient({ region: 'us-east-1', endpoint: emu.url, credentials, maxAttempts: 3 });
    const ok = await retrying.send(new GetParameterCommand({ Name: '/missing' })).catch((err: Error) => err);
    expect((ok as Error).name).toBe('ParameterNotFound');
    expect(emu.faults.list()).toEqual([]);
  });
});

describe('control endpoint', () => {
  it('injects, lists and clears faults over HTTP', async () => {
    const post = await fetch(`${emu.url}/_switchyard/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'slow-provisioning', ms: 10 }),
    });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { faults: unknown[] }).faults).toEqual([
      { kind: 'slow-provisioning', ms: 10 },
    ]);
    const bad = await fetch(`${emu.url}/_switchyard/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'meteor' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown fault kind meteor/);
    const del = await fetch(`${emu.url}/_switchyard/faults`, { method: 'DELETE' });
    expect(((await del.json()) as { faults: unknown[] }).faults).toEqual([]);
    const state = (await (await fetch(`${emu.url}/_switchyard/state`)).json()) as {
      instances: Array<{ id: string; server: { pid: number } }>;
    };
    expect(state.instances.find((i) => i.id === 'orders-db')?.server.pid).toBeGreaterThan(0);
  });
});
