/**
 * The AWS CLI v2 (Debian `awscli`, botocore's 2022 RDS model) as the second real client: every operation,
 * errors with exit code 254 and the wire code, empty lists, auto-pagination, and the full Blue/Green
 * lifecycle from the CLI alone. A missing CLI fails this file (install: apt-get install -y awscli).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { aws, awsCliPath, query, stopAndCheck, waitUntil } from './helpers.ts';

// Each CLI call starts Python and loads botocore's models (1–4 s on a busy 2-core machine).
vi.setConfig({ testTimeout: 150_000 });

let emu: Emulator;
const ARN = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';

beforeAll(async () => {
  awsCliPath(); // throws with install instructions when the CLI is missing
  emu = await startEmulator({ seedRows: 40, delays: { taskMs: 100 } });
});
afterAll(async () => {
  await stopAndCheck(emu);
});

const ok = async (args: string[]) => {
  const r = await aws(emu, args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.json;
};
const fails = async (args: string[], code: string) => {
  const r = await aws(emu, args);
  expect(r.code).toBe(254);
  expect(r.stderr).toContain(`An error occurred (${code}) when calling the`);
  return r.stderr;
};

describe('aws rds: instances, parameters, engine versions, snapshots', () => {
  it('describes instances and reports DBInstanceNotFound', async () => {
    const out = await ok(['rds', 'describe-db-instances']);
    const i = out.DBInstances[0];
    expect(i).toMatchObject({
      DBInstanceIdentifier: 'orders-db',
      DBInstanceArn: ARN,
      Engine: 'postgres',
      DBInstanceStatus: 'available',
      BackupRetentionPeriod: 7,
    });
    expect(i.Endpoint).toEqual({
      Address: '127.0.0.1',
      Port: emu.endpoint('orders-db')?.port,
      HostedZoneId: 'Z2R2ITUGPM61AM',
    });
    expect(i.DBParameterGroups).toEqual([
      { DBParameterGroupName: 'orders-pg17', ParameterApplyStatus: 'in-sync' },
    ]);
    expect(i.TagList).toEqual([
      { Key: 'app', Value: 'orders' },
      { Key: 'env', Value: 'local' },
    ]);
    const filtered = await ok([
      'rds',
      'describe-db-instances',
      '--filters',
      'Name=db-instance-id,Values=nope',
    ]);
    expect(filtered).toEqual({ DBInstances: [] });
    const err = await fails(
      ['rds', 'describe-db-instances', '--db-instance-identifier', 'nope'],
      'DBInstanceNotFound',
    );
    expect(err).toContain('DBInstance nope not found.');
  });

  it('creates and deletes a real instance; snapshots orders-db', async () => {
    const created = await ok([
      'rds',
      'create-db-instance',
      '--db-instance-identifier',
      'cli-db',
      '--engine',
      'postgres',
      '--db-instance-class',
      'db.t4g.micro',
      '--master-username',
      'cliuser',
      '--master-user-password',
      'cli-password-1',
      '--tags',
      'Key=via,Value=cli',
    ]);
    expect(created.DBInstance).toMatchObject({
      DBInstanceIdentifier: 'cli-db',
      DBInstanceStatus: 'creating',
      TagList: [{ Key: 'via', Value: 'cli' }],
    });
    await fails(
      [
        'rds',
        'create-db-instance',
        '--db-instance-identifier',
        'cli-db',
        '--engine',
        'postgres',
        '--db-instance-class',
        'db.t4g.micro',
        '--master-username',
        'u',
        '--master-user-password',
        'password1',
      ],
      'DBInstanceAlreadyExists',
    );
    // Wait without the CLI (each call costs a Python start), then check once with it.
    await emu.idle();
    expect(
      (await ok(['rds', 'describe-db-instances', '--db-instance-identifier', 'cli-db'])).DBInstances[0]
        .DBInstanceStatus,
    ).toBe('available');
    const del = await ok([
      'rds',
      'delete-db-instance',
      '--db-instance-identifier',
      'cli-db',
      '--skip-final-snapshot',
    ]);
    expect(del.DBInstance.DBInstanceStatus).toBe('deleting');

    const snap = await ok([
      'rds',
      'create-db-snapshot',
      '--db-snapshot-identifier',
      'cli-snap',
      '--db-instance-identifier',
      'orders-db',
    ]);
    expect(snap.DBSnapshot).toMatchObject({ DBSnapshotIdentifier: 'cli-snap', Status: 'creating' });
    await emu.idle();
    expect(
      (await ok(['rds', 'describe-db-snapshots', '--db-snapshot-identifier', 'cli-snap'])).DBSnapshots[0]
        .Status,
    ).toBe('available');
    await fails(['rds', 'describe-db-snapshots', '--db-snapshot-identifier', 'nope'], 'DBSnapshotNotFound');
    await fails(['rds', 'describe-db-instances', '--db-instance-identifier', 'cli-db'], 'DBInstanceNotFound');
  });

  it('reads parameters with filters, auto-paginates, and pages by hand with --no-paginate', async () => {
    const one = await ok([
      'rds',
      'describe-db-parameters',
      '--db-parameter-group-name',
      'orders-pg17',
      '--filters',
      'Name=parameter-name,Values=rds.logical_replication',
    ]);
    expect(one.Parameters).toEqual([
      expect.objectContaining({
        ParameterName: 'rds.logical_replication',
        ParameterValue: '1',
        Source: 'user',
      }),
    ]);
    const all = await ok([
      'rds',
      'describe-db-parameters',
      '--db-parameter-group-name',
      'default.postgres17',
      '--page-size',
      '20',
    ]);
    expect(all.Parameters.length).toBeGreaterThan(20);
    const page = await ok([
      'rds',
      'describe-db-parameters',
      '--db-parameter-group-name',
      'default.postgres17',
      '--no-paginate',
      '--max-records',
      '20',
    ]);
    expect(page.Parameters).toHaveLength(20);
    expect(page.Marker).toBeTruthy();
    await fails(
      ['rds', 'describe-db-parameters', '--db-parameter-group-name', 'nope'],
      'DBParameterGroupNotFound',
    );
    await fails(['rds', 'describe-db-instances', '--max-records', '5'], 'InvalidParameterValue');
  });

  it('lists engine versions with their valid upgrade targets', async () => {
    const out = await ok(['rds', 'describe-db-engine-versions', '--engine', 'postgres']);
    const v17 = out.DBEngineVersions.find(
      (v: { DBParameterGroupFamily: string }) => v.DBParameterGroupFamily === 'postgres17',
    );
    expect(
      v17.ValidUpgradeTarget.some(
        (t: { EngineVersion: string; IsMajorVersionUpgrade: boolean }) =>
          t.EngineVersion.startsWith('18.') && t.IsMajorVersionUpgrade,
      ),
    ).toBe(true);
    expect(await ok(['rds', 'describe-db-engine-versions', '--engine', 'oracle-ee'])).toEqual({
      DBEngineVersions: [],
    });
  });
});

describe('aws rds: the Blue/Green lifecycle from the CLI', () => {
  it('creates, watches AVAILABLE, switches over to PostgreSQL 18, leaves -old1 read-only, deletes', async () => {
    expect(await ok(['rds', 'describe-blue-green-deployments'])).toEqual({ BlueGreenDeployments: [] });
    await fails(
      [
        'rds',
        'describe-blue-green-deployments',
        '--blue-green-deployment-identifier',
        'bgd-0000000000000000',
      ],
      'BlueGreenDeploymentNotFoundFault',
    );
    const created = await ok([
      'rds',
      'create-blue-green-deployment',
      '--blue-green-deployment-name',
      'orders-upgrade',
      '--source',
      ARN,
      '--target-engine-version',
      '18',
      '--target-db-parameter-group-name',
      'orders-pg18',
      '--tags',
      'Key=switchyard:execution,Value=exec-cli',
    ]);
    const bg = created.BlueGreenDeployment;
    expect(bg).toMatchObject({
      BlueGreenDeploymentName: 'orders-upgrade',
      Status: 'PROVISIONING',
      Source: ARN,
      TagList: [{ Key: 'switchyard:execution', Value: 'exec-cli' }],
    });
    expect(bg.Target).toBeUndefined();
    const id = bg.BlueGreenDeploymentIdentifier as string;
    await fails(
      [
        'rds',
        'create-blue-green-deployment',
        '--blue-green-deployment-name',
        'orders-upgrade',
        '--source',
        ARN,
      ],
      'BlueGreenDeploymentAlreadyExistsFault',
    );
    await fails(
      [
        'rds',
        'create-blue-green-deployment',
        '--blue-green-deployment-name',
        'x',
        '--source',
        'arn:aws:rds:us-east-1:123456789012:db:nope',
      ],
      'DBInstanceNotFound',
    );

    const ready = await waitUntil(
      'AVAILABLE',
      async () => {
        const d = (
          await ok(['rds', 'describe-blue-green-deployments', '--blue-green-deployment-identifier', id])
        ).BlueGreenDeployments[0];
        return d.Status === 'AVAILABLE' ? d : undefined;
      },
      60_000,
      300,
    );
    expect(ready.Tasks).toEqual([
      { Name: 'CREATING_READ_REPLICA_OF_SOURCE', Status: 'COMPLETED' },
      { Name: 'DB_ENGINE_VERSION_UPGRADE', Status: 'COMPLETED' },
      { Name: 'CONFIGURE_BACKUPS', Status: 'COMPLETED' },
    ]);
    const byName = await ok([
      'rds',
      'describe-blue-green-deployments',
      '--filters',
      'Name=blue-green-deployment-name,Values=orders-upgrade',
    ]);
    expect(
      byName.BlueGreenDeployments.map(
        (d: { BlueGreenDeploymentIdentifier: string }) => d.BlueGreenDeploymentIdentifier,
      ),
    ).toEqual([id]);

    const sw = await ok([
      'rds',
      'switchover-blue-green-deployment',
      '--blue-green-deployment-identifier',
      id,
      '--switchover-timeout',
      '120',
    ]);
    expect(sw.BlueGreenDeployment.Status).toBe('SWITCHOVER_IN_PROGRESS');
    const done = await waitUntil(
      'SWITCHOVER_COMPLETED',
      async () => {
        const d = (
          await ok(['rds', 'describe-blue-green-deployments', '--blue-green-deployment-identifier', id])
        ).BlueGreenDeployments[0];
        if (d.Status === 'SWITCHOVER_FAILED') throw new Error(d.StatusDetails);
        return d.Status === 'SWITCHOVER_COMPLETED' ? d : undefined;
      },
      60_000,
      300,
    );
    expect(done.Source).toBe(`${ARN}-old1`);
    expect(done.Target).toBe(ARN);
    const instances = await ok(['rds', 'describe-db-instances']);
    const byId = Object.fromEntries(
      instances.DBInstances.map((i: { DBInstanceIdentifier: string }) => [i.DBInstanceIdentifier, i]),
    );
    expect(byId['orders-db'].EngineVersion).toMatch(/^18\./);
    expect(byId['orders-db-old1'].EngineVersion).toMatch(/^17\./);
    // orders-db is now served by the new PostgreSQL 18 server; old blue is read-only.
    expect(
      (await query<{ server_version: string }>(emu.connectionConfig('orders-db'), 'SHOW server_version'))[0]
        ?.server_version,
    ).toMatch(/^18\./);
    await expect(
      query(
        emu.connectionConfig('orders-db-old1'),
        "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'x', 1)",
      ),
    ).rejects.toThrow(/read-only/);

    await fails(
      ['rds', 'delete-blue-green-deployment', '--blue-green-deployment-identifier', id, '--delete-target'],
      'InvalidBlueGreenDeploymentStateFault',
    );
    const del = await ok(['rds', 'delete-blue-green-deployment', '--blue-green-deployment-identifier', id]);
    expect(del.BlueGreenDeployment.Status).toBe('DELETING');
    expect(del.BlueGreenDeployment.DeleteTime).toBeTruthy();
    await emu.idle();
    await fails(
      ['rds', 'describe-blue-green-deployments', '--blue-green-deployment-identifier', id],
      'BlueGreenDeploymentNotFoundFault',
    );

    const events = await ok([
      'rds',
      'describe-events',
      '--source-type',
      'blue-green-deployment',
      '--source-identifier',
      id,
    ]);
    expect(events.Events.map((e: { Message: string }) => e.Message)).toContain(
      'Switchover completed on blue/green deployment.',
    );
    expect(events.Events[0]).toMatchObject({
      SourceIdentifier: id,
      SourceType: 'blue-green-deployment',
      EventCategories: ['creation'],
    });
    await fails(['rds', 'describe-events', '--source-identifier', id], 'InvalidParameterCombination');
  });
});

describe('other services from the CLI', () => {
  it('sns publish / create-topic / list-topics', async () => {
    const { TopicArn } = await ok(['sns', 'create-topic', '--name', 'cli-topic']);
    const pub = await ok([
      'sns',
      'publish',
      '--topic-arn',
      TopicArn,
      '--subject',
      'hello',
      '--message',
      'from the cli',
      '--message-attributes',
      '{"k":{"DataType":"String","StringValue":"v"}}',
    ]);
    expect(pub.MessageId).toBeTruthy();
    expect(emu.outbox().at(-1)).toMatchObject({
      topicArn: TopicArn,
      subject: 'hello',
      message: 'from the cli',
      messageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
    });
    expect((await ok(['sns', 'list-topics'])).Topics).toContainEqual({ TopicArn });
  });

  it('cloudwatch get-metric-data / get-metric-statistics / describe-alarms over awsQuery', async () => {
    const now = Math.floor(Date.now() / 1000);
    const md = await ok([
      'cloudwatch',
      'get-metric-data',
      '--start-time',
      String(now - 300),
      '--end-time',
      String(now + 60),
      '--metric-data-queries',
      JSON.stringify([
        {
          Id: 'conn',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/RDS',
              MetricName: 'DatabaseConnections',
              Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db' }],
            },
            Period: 60,
            Stat: 'Average',
          },
        },
      ]),
    ]);
    expect(md.MetricDataResults[0]).toMatchObject({ Id: 'conn', StatusCode: 'Complete' });
    expect(md.MetricDataResults[0].Values).toHaveLength(1);
    const st = await ok([
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/RDS',
      '--metric-name',
      'DatabaseConnections',
      '--dimensions',
      'Name=DBInstanceIdentifier,Value=orders-db',
      '--start-time',
      String(now - 300),
      '--end-time',
      String(now + 60),
      '--period',
      '60',
      '--statistics',
      'Maximum',
    ]);
    expect(st.Datapoints[0].Unit).toBe('Count');
    emu.setAlarmState('cli-alarm', 'ALARM');
    const al = await ok(['cloudwatch', 'describe-alarms', '--alarm-names', 'cli-alarm']);
    expect(al.MetricAlarms[0]).toMatchObject({ AlarmName: 'cli-alarm', StateValue: 'ALARM' });
  });

  it('ssm put-parameter / get-parameter --with-decryption, and throttling', async () => {
    await ok(['ssm', 'put-parameter', '--name', '/cli/secret', '--value', 'pssst', '--type', 'SecureString']);
    const p = await ok(['ssm', 'get-parameter', '--name', '/cli/secret', '--with-decryption']);
    expect(p.Parameter).toMatchObject({ Name: '/cli/secret', Value: 'pssst', Type: 'SecureString' });
    await fails(['ssm', 'get-parameter', '--name', '/cli/none'], 'ParameterNotFound');
    await emu.faults.inject({ kind: 'throttle', calls: 1 });
    await fails(['rds', 'describe-db-instances'], 'Throttling');
  });
});
