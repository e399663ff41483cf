/**
 * Query-protocol fidelity of the RDS API with the strict client (@aws-sdk/client-rds): shapes, list element
 * names, request IDs, error classes + wire codes + HTTP statuses, empty lists, Filters=, pagination.
 */

import { existsSync } from 'node:fs';
import {
  AddTagsToResourceCommand,
  BlueGreenDeploymentAlreadyExistsFault,
  BlueGreenDeploymentNotFoundFault,
  CreateBlueGreenDeploymentCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DBClusterNotFoundFault,
  DBInstanceAlreadyExistsFault,
  DBInstanceNotFoundFault,
  DBParameterGroupNotFoundFault,
  DBSnapshotAlreadyExistsFault,
  DBSnapshotNotFoundFault,
  DeleteBlueGreenDeploymentCommand,
  DeleteDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  DescribeDBSnapshotsCommand,
  DescribeEventsCommand,
  InvalidBlueGreenDeploymentStateFault,
  InvalidDBInstanceStateFault,
  ListTagsForResourceCommand,
  ModifyDBInstanceCommand,
  type RDSClient,
  RDSServiceException,
  SourceDatabaseNotSupportedFault,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { query, rdsClient, stopAndCheck, waitUntil } from './helpers.ts';

let emu: Emulator;
let rds: RDSClient;
const ARN = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 20 });
  rds = rdsClient(emu);
});
afterAll(async () => {
  await stopAndCheck(emu);
});

/** Asserts the modeled exception class (or the generic one), its name/wire code and HTTP status. */
const expectFault = async (
  p: Promise<unknown>,
  cls: new (...a: never[]) => Error,
  name: string,
  status: number,
): Promise<Error> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, `expected ${name}`).toBeInstanceOf(cls);
  const err = e as RDSServiceException;
  expect(err.name).toBe(name);
  expect(err.$metadata.httpStatusCode).toBe(status);
  expect(err.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  return err;
};

const post = async (body: string): Promise<{ status: number; text: string; requestId: string | null }> => {
  const res = await fetch(emu.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-amzn-requestid') };
};

describe('wire format', () => {
  it('wraps results in <Op>Response/<Op>Result with the RDS namespace and the same request ID in header and body', async () => {
    const r = await post('Action=DescribeDBInstances&Version=2014-10-31&Filters=');
    expect(r.status).toBe(200);
    expect(r.text).toContain(
      '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">',
    );
    expect(r.text).toContain('<DescribeDBInstancesResult><DBInstances><DBInstance>');
    expect(r.text).toContain(
      '<DBParameterGroups><DBParameterGroup><DBParameterGroupName>orders-pg17</DBParameterGroupName>',
    );
    expect(r.text).toContain('<TagList><Tag><Key>app</Key>');
    expect(r.text).toContain(`<ResponseMetadata><RequestId>${r.requestId}</RequestId></ResponseMetadata>`);
  });

  it('answers errors as <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>', async () => {
    const r = await post('Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=nope');
    expect(r.status).toBe(404);
    expect(r.text).toMatch(
      /<ErrorResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><Error><Type>Sender<\/Type><Code>DBInstanceNotFound<\/Code><Message>DBInstance nope not found.<\/Message><\/Error><RequestId>/,
    );
    expect(r.text).toContain(`<RequestId>${r.requestId}</RequestId>`);
  });

  it('rejects an unknown action with InvalidAction', async () => {
    const r = await post('Action=FrobnicateDBInstance&Version=2014-10-31');
    expect(r.status).toBe(400);
    expect(r.text).toContain('<Code>InvalidAction</Code>');
  });

  it('treats Filters= as no filters and writes empty lists as <X/>', async () => {
    const r = await post('Action=DescribeBlueGreenDeployments&Version=2014-10-31&Filters=');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<BlueGreenDeployments/>');
  });
});

describe('DB instances', () => {
  it('describes the seeded orders-db with every preflight field', async () => {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }));
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const i = out.DBInstances?.[0];
    expect(i).toMatchObject({
      DBInstanceIdentifier: 'orders-db',
      DBInstanceArn: ARN,
      DBInstanceStatus: 'available',
      Engine: 'postgres',
      DBInstanceClass: 'db.t4g.medium',
      BackupRetentionPeriod: 7,
      DeletionProtection: false,
      StorageEncrypted: true,
      DBParameterGroups: [{ DBParameterGroupName: 'orders-pg17', ParameterApplyStatus: 'in-sync' }],
      ReadReplicaDBInstanceIdentifiers: [],
      Endpoint: { Address: '127.0.0.1', Port: emu.endpoint('orders-db')?.port },
    });
    expect(i?.EngineVersion).toMatch(/^17\.\d+$/);
    expect(i?.DbiResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(i?.TagList).toEqual([
      { Key: 'app', Value: 'orders' },
      { Key: 'env', Value: 'local' },
    ]);
    expect(i?.PendingModifiedValues).toBeUndefined();
    expect(i?.MasterUserSecret).toBeUndefined();
    expect(i?.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    // The endpoint is a real PostgreSQL 17 with the seeded table.
    const [v] = await query<{ v: string; n: string }>(
      emu.connectionConfig('orders-db'),
      'SELECT current_setting($1) AS v, (SELECT count(*) FROM orders) AS n',
      ['server_version'],
    );
    expect(v?.v).toBe(i?.EngineVersion);
    expect(v?.n).toBe('20');
  });

  it('filters, paginates and validates MaxRecords', async () => {
    const byArn = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: [ARN] }] }),
    );
    expect(byArn.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(['orders-db']);
    const none = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'dbi-resource-id', Values: ['db-NOPE'] }] }),
    );
    expect(none.DBInstances).toEqual([]);
    const empty = await rds.send(new DescribeDBInstancesCommand({ Filters: [] }));
    expect(empty.DBInstances?.length).toBeGreaterThan(0);
    await expectFault(
      rds.send(new DescribeDBInstancesCommand({ MaxRecords: 19 })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    await expectFault(
      rds.send(new DescribeDBInstancesCommand({ MaxRecords: 101 })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    await expectFault(
      rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    await expectFault(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'missing-db' })),
      DBInstanceNotFoundFault,
      'DBInstanceNotFoundFault',
      404,
    );
  });

  it('creates a real PostgreSQL instance, snapshots it, and deletes it with a final snapshot', async () => {
    const created = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'scratch-db',
        Engine: 'postgres',
        EngineVersion: '18',
        DBInstanceClass: 'db.t4g.micro',
        MasterUsername: 'admin1',
        MasterUserPassword: 'secret-pass-1',
        DBName: 'app',
        DeletionProtection: true,
        Tags: [{ Key: 'team', Value: 'db' }],
      }),
    );
    expect(created.DBInstance).toMatchObject({
      DBInstanceIdentifier: 'scratch-db',
      DBInstanceStatus: 'creating',
      DeletionProtection: true,
      TagList: [{ Key: 'team', Value: 'db' }],
    });
    expect(created.DBInstance?.EngineVersion).toMatch(/^18\./);
    await expectFault(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'scratch-db',
          Engine: 'postgres',
          DBInstanceClass: 'db.t4g.micro',
          MasterUsername: 'a',
          MasterUserPassword: 'password1',
        }),
      ),
      DBInstanceAlreadyExistsFault,
      'DBInstanceAlreadyExistsFault',
      400,
    );
    await expectFault(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'x-db',
          Engine: 'postgres',
          DBInstanceClass: 'db.t4g.micro',
          MasterUsername: 'a',
          MasterUserPassword: 'password1',
          DBParameterGroupName: 'nope',
        }),
      ),
      DBParameterGroupNotFoundFault,
      'DBParameterGroupNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'x-db',
          Engine: 'oracle-ee',
          DBInstanceClass: 'db.t4g.micro',
          MasterUsername: 'a',
          MasterUserPassword: 'password1',
        }),
      ),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    await waitUntil('scratch-db available', async () => {
      const d = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'scratch-db' }));
      return d.DBInstances?.[0]?.DBInstanceStatus === 'available';
    });
    const cfg = emu.connectionConfig('scratch-db');
    expect(cfg).toMatchObject({ user: 'admin1', password: 'secret-pass-1', database: 'app' });
    await query(cfg, 'CREATE TABLE t (id int primary key); INSERT INTO t VALUES (1), (2)');

    const snap = await rds.send(
      new CreateDBSnapshotCommand({
        DBSnapshotIdentifier: 'scratch-manual',
        DBInstanceIdentifier: 'scratch-db',
      }),
    );
    expect(snap.DBSnapshot).toMatchObject({
      DBSnapshotIdentifier: 'scratch-manual',
      DBInstanceIdentifier: 'scratch-db',
      Status: 'creating',
      SnapshotType: 'manual',
      Engine: 'postgres',
    });
    await expectFault(
      rds.send(
        new CreateDBSnapshotCommand({
          DBSnapshotIdentifier: 'scratch-manual',
          DBInstanceIdentifier: 'scratch-db',
        }),
      ),
      DBSnapshotAlreadyExistsFault,
      'DBSnapshotAlreadyExistsFault',
      400,
    );
    await waitUntil('snapshot available', async () => {
      const d = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'scratch-manual' }));
      return d.DBSnapshots?.[0]?.Status === 'available';
    });
    await expectFault(
      rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })),
      DBSnapshotNotFoundFault,
      'DBSnapshotNotFoundFault',
      404,
    );
    expect(
      (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'orders-db' }))).DBSnapshots,
    ).toEqual([]);

    await expectFault(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'scratch-db', SkipFinalSnapshot: true })),
      InvalidDBInstanceStateFault,
      'InvalidDBInstanceStateFault',
      400,
    );
    const mod = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'scratch-db',
        DeletionProtection: false,
        ApplyImmediately: true,
      }),
    );
    expect(mod.DBInstance?.DeletionProtection).toBe(false);
    await expectFault(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'scratch-db' })),
      RDSServiceException,
      'InvalidParameterCombination',
      400,
    );
    const del = await rds.send(
      new DeleteDBInstanceCommand({
        DBInstanceIdentifier: 'scratch-db',
        FinalDBSnapshotIdentifier: 'scratch-final',
      }),
    );
    expect(del.DBInstance?.DBInstanceStatus).toBe('deleting');
    await waitUntil('scratch-db gone', async () => {
      const e = await rds
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'scratch-db' }))
        .catch((err: Error) => err);
      return e instanceof DBInstanceNotFoundFault;
    });
    const finals = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'scratch-db' }));
    expect(finals.DBSnapshots?.map((s) => [s.DBSnapshotIdentifier, s.Status]).sort()).toEqual([
      ['scratch-final', 'available'],
      ['scratch-manual', 'available'],
    ]);
    // A snapshot is a real copy of the server's data directory.
    expect(existsSync(`${emu.dataDir}/snapshots/scratch-final/PG_VERSION`)).toBe(true);
  });
});

describe('engine versions and parameters', () => {
  it('offers 17 → 18 (major) and a 17 minor as valid upgrade targets', async () => {
    const seeded = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' })))
      .DBInstances?.[0]?.EngineVersion;
    const out = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres' }));
    const v17 = out.DBEngineVersions?.find((v) => v.EngineVersion === seeded);
    expect(v17?.DBParameterGroupFamily).toBe('postgres17');
    const targets = v17?.ValidUpgradeTarget ?? [];
    expect(targets.some((t) => t.EngineVersion?.startsWith('18.') && t.IsMajorVersionUpgrade === true)).toBe(
      true,
    );
    expect(targets.some((t) => t.EngineVersion?.startsWith('17.') && t.IsMajorVersionUpgrade === false)).toBe(
      true,
    );
    expect(
      out.DBEngineVersions?.some(
        (v) => v.EngineVersion?.startsWith('18.') && v.DBParameterGroupFamily === 'postgres18',
      ),
    ).toBe(true);
    const oracle = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'oracle-ee' }));
    expect(oracle.DBEngineVersions).toEqual([]);
  });

  it('reads parameters with a parameter-name filter, and pages with Marker', async () => {
    const f = { Filters: [{ Name: 'parameter-name', Values: ['rds.logical_replication'] }] };
    const custom = await rds.send(
      new DescribeDBParametersCommand({ DBParameterGroupName: 'orders-pg17', ...f }),
    );
    expect(custom.Parameters).toEqual([
      expect.objectContaining({
        ParameterName: 'rds.logical_replication',
        ParameterValue: '1',
        Source: 'user',
        ApplyMethod: 'pending-reboot',
      }),
    ]);
    const def = await rds.send(
      new DescribeDBParametersCommand({ DBParameterGroupName: 'default.postgres17', ...f }),
    );
    expect(def.Parameters?.[0]).toMatchObject({ ParameterValue: '0', Source: 'engine-default' });
    const p1 = await rds.send(
      new DescribeDBParametersCommand({ DBParameterGroupName: 'default.postgres18', MaxRecords: 20 }),
    );
    expect(p1.Parameters).toHaveLength(20);
    expect(p1.Marker).toBeTruthy();
    const p2 = await rds.send(
      new DescribeDBParametersCommand({
        DBParameterGroupName: 'default.postgres18',
        MaxRecords: 20,
        Marker: p1.Marker,
      }),
    );
    expect(p2.Marker).toBeUndefined();
    expect((p2.Parameters ?? []).length).toBeGreaterThan(0);
    expect(
      new Set([...(p1.Parameters ?? []), ...(p2.Parameters ?? [])].map((x) => x.ParameterName)).size,
    ).toBe(20 + (p2.Parameters?.length ?? 0));
    await expectFault(
      rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'nope' })),
      DBParameterGroupNotFoundFault,
      'DBParameterGroupNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new DescribeDBParametersCommand({
          DBParameterGroupName: 'orders-pg17',
          Filters: [{ Name: 'apply-type', Values: ['x'] }],
        }),
      ),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
  });
});

describe('Blue/Green API errors, filters, tags and empty lists', () => {
  it('answers an empty list, then every modeled error with its class and status', async () => {
    expect((await rds.send(new DescribeBlueGreenDeploymentsCommand({}))).BlueGreenDeployments).toEqual([]);
    await expectFault(
      rds.send(
        new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: 'bgd-0000000000000000' }),
      ),
      BlueGreenDeploymentNotFoundFault,
      'BlueGreenDeploymentNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: 'bgd-0000000000000000' }),
      ),
      BlueGreenDeploymentNotFoundFault,
      'BlueGreenDeploymentNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: 'bgd-0000000000000000' }),
      ),
      BlueGreenDeploymentNotFoundFault,
      'BlueGreenDeploymentNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: 'x',
          Source: 'arn:aws:rds:us-east-1:123456789012:db:nope',
        }),
      ),
      DBInstanceNotFoundFault,
      'DBInstanceNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: 'x',
          Source: 'arn:aws:rds:us-east-1:123456789012:cluster:nope',
        }),
      ),
      DBClusterNotFoundFault,
      'DBClusterNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: 'x',
          Source: ARN,
          TargetDBParameterGroupName: 'nope',
        }),
      ),
      DBParameterGroupNotFoundFault,
      'DBParameterGroupNotFoundFault',
      404,
    );
    await expectFault(
      rds.send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: 'x',
          Source: ARN,
          TargetEngineVersion: '16.1',
        }),
      ),
      RDSServiceException,
      'InvalidParameterCombination',
      400,
    );
    await expectFault(
      rds.send(new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: '-bad-', Source: ARN })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
  });

  it('round-trips tags, filters by name/identifier/source, refuses duplicates, switchover of an invalid deployment and bad timeouts', async () => {
    // A deployment that fails at once (no green server is built) is enough for the API surface.
    await emu.faults.inject({ kind: 'green-invalid-configuration' });
    const tags = [
      { Key: 'switchyard:execution', Value: 'exec-2b7f' },
      { Key: 'owner', Value: 'dba' },
    ];
    const c = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'orders-api-test',
        Source: ARN,
        Tags: tags,
      }),
    );
    await emu.faults.clear();
    const d = c.BlueGreenDeployment;
    expect(d?.BlueGreenDeploymentIdentifier).toMatch(/^bgd-[a-z0-9]{16}$/);
    expect(d).toMatchObject({
      Status: 'PROVISIONING',
      Source: ARN,
      SwitchoverDetails: [{ SourceMember: ARN }],
      TagList: tags,
    });
    expect(d?.Target).toBeUndefined();
    expect(d?.Tasks).toEqual([
      { Name: 'CREATING_READ_REPLICA_OF_SOURCE', Status: 'PENDING' },
      { Name: 'CONFIGURE_BACKUPS', Status: 'PENDING' },
    ]);
    const id = d?.BlueGreenDeploymentIdentifier as string;
    await expectFault(
      rds.send(
        new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: 'orders-api-test', Source: ARN }),
      ),
      BlueGreenDeploymentAlreadyExistsFault,
      'BlueGreenDeploymentAlreadyExistsFault',
      400,
    );
    await waitUntil('INVALID_CONFIGURATION', async () => {
      const x = await rds.send(
        new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id }),
      );
      return x.BlueGreenDeployments?.[0]?.Status === 'INVALID_CONFIGURATION';
    });
    for (const [Name, Values] of [
      ['blue-green-deployment-name', ['orders-api-test']],
      ['blue-green-deployment-identifier', [id.toUpperCase()]],
      ['source', [ARN]],
    ] as const) {
      const x = await rds.send(
        new DescribeBlueGreenDeploymentsCommand({ Filters: [{ Name, Values: [...Values] }] }),
      );
      expect(x.BlueGreenDeployments?.map((b) => b.BlueGreenDeploymentIdentifier)).toEqual([id]);
      expect(x.BlueGreenDeployments?.[0]?.TagList).toEqual(tags);
    }
    expect(
      (
        await rds.send(
          new DescribeBlueGreenDeploymentsCommand({ Filters: [{ Name: 'target', Values: [ARN] }] }),
        )
      ).BlueGreenDeployments,
    ).toEqual([]);
    expect(
      (await rds.send(new DescribeBlueGreenDeploymentsCommand({ Filters: [] }))).BlueGreenDeployments,
    ).toHaveLength(1);
    await expectFault(
      rds.send(new DescribeBlueGreenDeploymentsCommand({ Filters: [{ Name: 'status', Values: ['x'] }] })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    await expectFault(
      rds.send(new DescribeBlueGreenDeploymentsCommand({ MaxRecords: 10 })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    const page = await rds.send(new DescribeBlueGreenDeploymentsCommand({ MaxRecords: 20 }));
    expect(page.Marker).toBeUndefined();
    await expectFault(
      rds.send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id })),
      InvalidBlueGreenDeploymentStateFault,
      'InvalidBlueGreenDeploymentStateFault',
      400,
    );
    await expectFault(
      rds.send(
        new SwitchoverBlueGreenDeploymentCommand({
          BlueGreenDeploymentIdentifier: id,
          SwitchoverTimeout: 10,
        }),
      ),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    // A second deployment on the same source is refused.
    await expectFault(
      rds.send(new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: 'second', Source: ARN })),
      InvalidDBInstanceStateFault,
      'InvalidDBInstanceStateFault',
      400,
    );

    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: `arn:aws:rds:us-east-1:123456789012:deployment:${id}`,
        Tags: [{ Key: 'extra', Value: '1' }],
      }),
    );
    const listed = await rds.send(
      new ListTagsForResourceCommand({ ResourceName: `arn:aws:rds:us-east-1:123456789012:deployment:${id}` }),
    );
    expect(listed.TagList).toEqual([...tags, { Key: 'extra', Value: '1' }]);

    const del = await rds.send(
      new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, DeleteTarget: true }),
    );
    expect(del.BlueGreenDeployment).toMatchObject({ Status: 'DELETING' });
    expect(del.BlueGreenDeployment?.DeleteTime).toBeInstanceOf(Date);
    await emu.idle();
    await expectFault(
      rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })),
      BlueGreenDeploymentNotFoundFault,
      'BlueGreenDeploymentNotFoundFault',
      404,
    );
  });

  it('refuses a source with a Secrets Manager master password (SourceDatabaseNotSupportedFault)', async () => {
    await emu.faults.inject({
      kind: 'instance-state',
      instanceId: 'orders-db',
      patch: {
        MasterUserSecret: { SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-x' },
      },
    });
    const d = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders-db' }));
    expect(d.DBInstances?.[0]?.MasterUserSecret).toMatchObject({ SecretStatus: 'active' });
    await expectFault(
      rds.send(new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: 'secret', Source: ARN })),
      SourceDatabaseNotSupportedFault,
      'SourceDatabaseNotSupportedFault',
      400,
    );
    await emu.faults.inject({
      kind: 'instance-state',
      instanceId: 'orders-db',
      patch: { MasterUserSecret: null },
    });
  });
});

describe('events', () => {
  it('lists Blue/Green events with <Event>/<EventCategory> and validates SourceType', async () => {
    const out = await rds.send(
      new DescribeEventsCommand({ SourceType: 'blue-green-deployment', Duration: 60 }),
    );
    const ids = out.Events?.map((e) => e.Message) ?? [];
    expect(ids.some((m) => m?.startsWith('Creation of blue/green deployment failed'))).toBe(true);
    expect(ids).toContain('Blue/green deployment deleted.');
    const e0 = out.Events?.[0];
    expect(e0?.SourceType).toBe('blue-green-deployment');
    expect(e0?.SourceArn).toMatch(/^arn:aws:rds:us-east-1:123456789012:deployment:bgd-[a-z0-9]{16}$/);
    expect(e0?.Date).toBeInstanceOf(Date);
    expect(Array.isArray(e0?.EventCategories)).toBe(true);
    const inst = await rds.send(
      new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'orders-db' }),
    );
    expect(inst.Events?.map((e) => e.Message)).toContain('DB instance created');
    await expectFault(
      rds.send(new DescribeEventsCommand({ SourceIdentifier: 'orders-db' })),
      RDSServiceException,
      'InvalidParameterCombination',
      400,
    );
    await expectFault(
      rds.send(new DescribeEventsCommand({ SourceType: 'nope' as 'db-instance' })),
      RDSServiceException,
      'InvalidParameterValue',
      400,
    );
    expect((await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster' }))).Events).toEqual([]);
  });
});
