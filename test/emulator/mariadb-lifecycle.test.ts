/**
 * RDS for MariaDB (and the RDS for MySQL stand-in) on the real MariaDB binary: the AWS CLI and the SDK
 * drive a Blue/Green cycle (create, AVAILABLE, switch, `-old1` read-only, delete) while a writer inserts
 * through the endpoint; engine-level checks of replication, ReplicaLag, the write block, the guardrails and
 * a rolled-back switchover. One emulator for the file: the cases run in order on the same instances.
 *
 * Needs Debian's MariaDB: without it the file is skipped and says how to install it.
 */
import {
  CreateBlueGreenDeploymentCommand,
  CreateDBInstanceCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  type RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { MARIADB_INSTALL_HINT, mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { aws, awsCliPath, rdsClient, sleep, stopAndCheck, waitUntil } from './helpers.ts';

vi.setConfig({ testTimeout: 150_000, hookTimeout: 120_000 });

const available = mariadbAvailable();
if (!available)
  console.warn(`MariaDB tests skipped: the MariaDB binaries are missing. Install: ${MARIADB_INSTALL_HINT}`);

const ARN = 'arn:aws:rds:us-east-1:123456789012:db:shop-db';
let emu: Emulator;
let rds: RDSClient;

const cfg = (id: string): mysql.ConnectionOptions => {
  const c = emu.connectionConfig(id);
  // Verified TLS against the emulator's CA, as an application would use the RDS CA bundle.
  return { host: c.host, port: c.port, user: c.user, password: c.password, database: 'shop', ssl: c.ssl };
};
const sql = async <R = Record<string, unknown>>(
  id: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> => {
  const c = await mysql.createConnection(cfg(id));
  c.on('error', () => {});
  try {
    const [rows] = await c.query(text, params);
    return rows as R[];
  } finally {
    await c.end().catch(() => {});
  }
};

/** Inserts through the endpoint, reconnecting after errors; records every acknowledged id. */
class MariaWriter {
  readonly acked: number[] = [];
  failed = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  constructor(private readonly id: string) {}
  start(): this {
    this.loop = (async () => {
      let c: mysql.Connection | undefined;
      while (!this.stopping) {
        try {
          if (!c) {
            c = await mysql.createConnection({ ...cfg(this.id), connectTimeout: 3000 });
            c.on('error', () => {});
          }
          const [r] = await c.query(
            "INSERT INTO orders (customer_id, status, amount_cents) VALUES (0, 'w', 1)",
          );
          this.acked.push((r as mysql.ResultSetHeader).insertId);
        } catch {
          this.failed++;
          await c?.end().catch(() => {});
          c = undefined;
          await sleep(20);
        }
        await sleep(5);
      }
      await c?.end().catch(() => {});
    })();
    return this;
  }
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }
}

const ok = async (args: string[]) => {
  const r = await aws(emu, args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.json;
};

const deployment = async (id: string) =>
  (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];

const waitStatus = (id: string, status: string) =>
  waitUntil(
    status,
    async () => {
      const d = await deployment(id);
      if (d?.Status === 'INVALID_CONFIGURATION') throw new Error(`INVALID_CONFIGURATION: ${d.StatusDetails}`);
      return d?.Status === status ? d : undefined;
    },
    90_000,
    200,
  );

const createInstance = async (id: string, engine: 'mariadb' | 'mysql', group: string, version?: string) => {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: engine,
      ...(version ? { EngineVersion: version } : {}),
      DBInstanceClass: 'db.t4g.medium',
      MasterUsername: 'admin',
      MasterUserPassword: 'secret-pw-1',
      DBName: 'shop',
      DBParameterGroupName: group,
      BackupRetentionPeriod: 7,
      Tags: [{ Key: 'app', Value: 'shop' }],
    }),
  );
  await waitUntil(
    `${id} available`,
    async () => {
      const i = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })))
        .DBInstances?.[0];
      if (i?.DBInstanceStatus === 'failed') throw new Error(`${id} failed`);
      return i?.DBInstanceStatus === 'available';
    },
    60_000,
    100,
  );
  await sql(
    id,
    `CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL,
       status VARCHAR(20) NOT NULL, amount_cents INT NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT NOW(6))`,
  );
  await sql(
    id,
    "INSERT INTO orders (customer_id, status, amount_cents) SELECT seq % 97, 'new', seq FROM seq_1_to_500",
  );
};

describe.skipIf(!available)('RDS for MariaDB on the MariaDB binary: the AWS CLI and the SDK', () => {
  beforeAll(async () => {
    awsCliPath();
    emu = await startEmulator({ seed: false, delays: { taskMs: 50 } });
    rds = rdsClient(emu);
    await createInstance('shop-db', 'mariadb', 'orders-mariadb');
  });
  afterAll(async () => {
    await stopAndCheck(emu);
  });

  it('answers DescribeDBInstances, DescribeDBEngineVersions and DescribeDBParameters for mariadb and mysql', async () => {
    const i = (await ok(['rds', 'describe-db-instances', '--db-instance-identifier', 'shop-db']))
      .DBInstances[0];
    expect(i).toMatchObject({
      Engine: 'mariadb',
      EngineVersion: '10.11.19',
      LicenseModel: 'general-public-license',
      DBParameterGroups: [{ DBParameterGroupName: 'orders-mariadb', ParameterApplyStatus: 'in-sync' }],
      OptionGroupMemberships: [{ OptionGroupName: 'default:mariadb-10-11', Status: 'in-sync' }],
    });
    const maria = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'mariadb' }));
    const v = maria.DBEngineVersions?.find((x) => x.EngineVersion === '10.11.19');
    expect(v).toMatchObject({ MajorEngineVersion: '10.11', DBParameterGroupFamily: 'mariadb10.11' });
    expect(v?.ValidUpgradeTarget?.map((t) => [t.EngineVersion, t.IsMajorVersionUpgrade])).toEqual([
      ['10.11.20', false],
    ]);
    const my = await ok(['rds', 'describe-db-engine-versions', '--engine', 'mysql']);
    expect(my.DBEngineVersions.map((x: { EngineVersion: string }) => x.EngineVersion)).toEqual([
      '8.0.41',
      '8.0.42',
    ]);
    // RDS defaults: binlog_format MIXED in the default group; the custom group sets ROW.
    const param = async (group: string, name: string) =>
      (
        await rds.send(
          new DescribeDBParametersCommand({
            DBParameterGroupName: group,
            Filters: [{ Name: 'parameter-name', Values: [name] }],
          }),
        )
      ).Parameters?.[0];
    expect(await param('default.mariadb10.11', 'binlog_format')).toMatchObject({
      ParameterValue: 'MIXED',
      Source: 'engine-default',
    });
    expect(await param('orders-mariadb', 'binlog_format')).toMatchObject({
      ParameterValue: 'ROW',
      Source: 'user',
    });
    expect(await param('default.mysql8.0', 'require_secure_transport')).toMatchObject({
      ParameterValue: '0',
    });
  });

  let bgId = '';
  let writer: MariaWriter;

  it('builds green from mariabackup, replicating by GTID, read-only, with ReplicaLag from the replica status', async () => {
    writer = new MariaWriter('shop-db').start();
    const created = await ok([
      'rds',
      'create-blue-green-deployment',
      '--blue-green-deployment-name',
      'shop-minor',
      '--source',
      ARN,
      '--target-engine-version',
      '10.11.20',
    ]);
    bgId = created.BlueGreenDeployment.BlueGreenDeploymentIdentifier;
    expect(created.BlueGreenDeployment.Status).toBe('PROVISIONING');
    const ready = await waitStatus(bgId, 'AVAILABLE');
    expect(ready.Tasks?.map((t) => [t.Name, t.Status])).toEqual([
      ['CREATING_READ_REPLICA_OF_SOURCE', 'COMPLETED'],
      ['DB_ENGINE_VERSION_UPGRADE', 'COMPLETED'],
      ['CONFIGURE_BACKUPS', 'COMPLETED'],
    ]);
    const greenId = ready.Target?.split(':db:')[1] as string;
    const green = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: greenId })))
      .DBInstances?.[0];
    expect(green).toMatchObject({
      Engine: 'mariadb',
      EngineVersion: '10.11.20',
      DBInstanceStatus: 'available',
    });
    // Replication: a row written on blue now appears on green.
    await sql('shop-db', "INSERT INTO orders (customer_id, status, amount_cents) VALUES (7, 'probe', 7)");
    await waitUntil('probe on green', async () => {
      const [r] = await sql<{ n: number }>(
        greenId,
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'probe'",
      );
      return Number(r?.n) === 1;
    });
    // Green is read-only for the master user (no READ_ONLY ADMIN, as on RDS).
    await expect(
      sql(greenId, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'x', 1)"),
    ).rejects.toThrow(/read-only/);
    const [ro] = await sql<{ ro: number }>(greenId, 'SELECT @@read_only AS ro');
    expect(Number(ro?.ro)).toBe(1);
    // Clients and replication run over TLS from the emulator's CA.
    // The master user reads it as on RDS for MariaDB ≥ 10.5: through mysql.rds_replica_status (no SLAVE MONITOR).
    const [statusSet] = await sql<
      Array<{ Master_SSL_Allowed: string; Master_SSL_Verify_Server_Cert: string }>
    >(greenId, 'CALL mysql.rds_replica_status');
    const slave = statusSet?.[0];
    expect(slave).toMatchObject({ Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'Yes' });
    const [cipher] = await sql<{ Value: string }>(greenId, "SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    expect(cipher?.Value).toMatch(/\w/);
    await expect(
      mysql.createConnection({
        ...cfg('shop-db'),
        ssl: {
          ca: '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n',
          rejectUnauthorized: true,
        },
      }),
    ).rejects.toThrow();
    const lag = await ok([
      'cloudwatch',
      'get-metric-statistics',
      '--namespace',
      'AWS/RDS',
      '--metric-name',
      'ReplicaLag',
      '--dimensions',
      `Name=DBInstanceIdentifier,Value=${greenId}`,
      '--statistics',
      'Maximum',
      '--start-time',
      new Date(Date.now() - 600_000).toISOString(),
      '--end-time',
      new Date().toISOString(),
      '--period',
      '60',
    ]);
    expect(lag.Datapoints.length).toBeGreaterThan(0);
    expect(lag.Datapoints[0].Maximum).toBeGreaterThanOrEqual(0);
    expect(lag.Datapoints[0].Maximum).toBeLessThan(30);
  });

  it('refuses the switchover while a long write is open on blue, naming it', async () => {
    await emu.faults.inject({ kind: 'long-running-write', instanceId: 'shop-db' });
    try {
      const r = await aws(emu, [
        'rds',
        'switchover-blue-green-deployment',
        '--blue-green-deployment-identifier',
        bgId,
      ]);
      expect(r.code).toBe(254);
      expect(r.stderr).toContain('InvalidBlueGreenDeploymentStateFault');
      expect(r.stderr).toMatch(
        /long-running write transaction is active on DB instance shop-db \(thread \d+, user admin/,
      );
    } finally {
      await emu.faults.clear('long-running-write');
    }
    expect((await deployment(bgId))?.Status).toBe('AVAILABLE');
  });

  it('stalls green for real (replication-stall): ReplicaLag -1 as RDS reports it, the switchover refused', async () => {
    const greenId = (await deployment(bgId))?.Target?.split(':db:')[1] as string;
    await emu.faults.inject({ kind: 'replication-stall' });
    try {
      const lag = await ok([
        'cloudwatch',
        'get-metric-statistics',
        '--namespace',
        'AWS/RDS',
        '--metric-name',
        'ReplicaLag',
        '--dimensions',
        `Name=DBInstanceIdentifier,Value=${greenId}`,
        '--statistics',
        'Maximum',
        '--start-time',
        new Date(Date.now() - 600_000).toISOString(),
        '--end-time',
        new Date().toISOString(),
        '--period',
        '60',
      ]);
      expect(lag.Datapoints[0]?.Maximum).toBe(-1);
      const r = await aws(emu, [
        'rds',
        'switchover-blue-green-deployment',
        '--blue-green-deployment-identifier',
        bgId,
      ]);
      expect(r.code).toBe(254);
      expect(r.stderr).toContain(
        'replication is not healthy (the replication SQL thread on green is stopped',
      );
    } finally {
      await emu.faults.clear('replication-stall');
    }
    await sql(
      'shop-db',
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (6, 'after-stall', 6)",
    );
    await waitUntil('green applies again after the stall', async () => {
      const [r] = await sql<{ n: number }>(
        greenId,
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'after-stall'",
      );
      return Number(r?.n) === 1;
    });
  });

  it('rolls a switchover back when green cannot catch up in time: blue writable again, replication resumes', async () => {
    await emu.faults.inject({ kind: 'switchover-timeout', timeoutMs: 1500 });
    try {
      await rds.send(
        new SwitchoverBlueGreenDeploymentCommand({
          BlueGreenDeploymentIdentifier: bgId,
          SwitchoverTimeout: 30,
        }),
      );
      const failed = await waitStatus(bgId, 'SWITCHOVER_FAILED');
      expect(failed.StatusDetails).toMatch(/timeout/);
    } finally {
      await emu.faults.clear('switchover-timeout');
    }
    const [ro] = await sql<{ ro: number }>('shop-db', 'SELECT @@read_only AS ro');
    expect(Number(ro?.ro)).toBe(0);
    await sql(
      'shop-db',
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (8, 'after-rollback', 8)",
    );
    const greenId = (await deployment(bgId))?.Target?.split(':db:')[1] as string;
    await waitUntil('green applies again', async () => {
      const [r] = await sql<{ n: number }>(
        greenId,
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'after-rollback'",
      );
      return Number(r?.n) === 1;
    });
  });

  it('switches over from the CLI with 0 lost writes: green takes the name, -old1 stays read-only', async () => {
    await sleep(300); // the writer reconnected after the rolled-back attempt
    const sw = await ok([
      'rds',
      'switchover-blue-green-deployment',
      '--blue-green-deployment-identifier',
      bgId,
      '--switchover-timeout',
      '60',
    ]);
    expect(sw.BlueGreenDeployment.Status).toBe('SWITCHOVER_IN_PROGRESS');
    const done = await waitStatus(bgId, 'SWITCHOVER_COMPLETED');
    expect(done.Source).toBe(`${ARN}-old1`);
    expect(done.Target).toBe(ARN);
    await sleep(300);
    await writer.stop();
    const [v] = await sql<{ v: string; ro: number }>('shop-db', 'SELECT @@version AS v, @@read_only AS ro');
    expect(Number(v?.ro)).toBe(0);
    const rows = await sql<{ id: number }>('shop-db', "SELECT id FROM orders WHERE status = 'w'");
    const have = new Set(rows.map((r) => Number(r.id)));
    const lost = writer.acked.filter((id) => !have.has(id));
    expect(writer.acked.length).toBeGreaterThan(20);
    expect(lost).toEqual([]);
    // Old blue: read-only for the master user, on its own endpoint.
    await expect(
      sql('shop-db-old1', "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'x', 1)"),
    ).rejects.toThrow(/read-only/);
    const byId = Object.fromEntries(
      (await ok(['rds', 'describe-db-instances'])).DBInstances.map((i: { DBInstanceIdentifier: string }) => [
        i.DBInstanceIdentifier,
        i,
      ]),
    );
    expect(byId['shop-db'].EngineVersion).toBe('10.11.20');
    expect(byId['shop-db-old1'].EngineVersion).toBe('10.11.19');
    expect(
      emu
        .events()
        .some((e) =>
          /Binary log coordinates in green environment after switchover: file binlog\.\d+ and position \d+/.test(
            e.detail.Message,
          ),
        ),
    ).toBe(true);
  });

  it('deletes the deployment and old blue (with a real final snapshot) from the CLI', async () => {
    const del = await ok(['rds', 'delete-blue-green-deployment', '--blue-green-deployment-identifier', bgId]);
    expect(del.BlueGreenDeployment.Status).toBe('DELETING');
    await waitUntil(
      'deployment gone',
      async () => (await ok(['rds', 'describe-blue-green-deployments'])).BlueGreenDeployments.length === 0,
    );
    await ok([
      'rds',
      'delete-db-instance',
      '--db-instance-identifier',
      'shop-db-old1',
      '--final-db-snapshot-identifier',
      'shop-db-old1-final',
    ]);
    const snap = await waitUntil('snapshot available', async () => {
      const s = (await ok(['rds', 'describe-db-snapshots', '--db-snapshot-identifier', 'shop-db-old1-final']))
        .DBSnapshots[0];
      return s?.Status === 'available' ? s : undefined;
    });
    expect(snap).toMatchObject({ Engine: 'mariadb', Port: 3306, EngineVersion: '10.11.19' });
    await waitUntil('old1 gone', async () => {
      const r = await aws(emu, ['rds', 'describe-db-instances', '--db-instance-identifier', 'shop-db-old1']);
      return r.code === 254 && r.stderr.includes('DBInstanceNotFound');
    });
  });

  it('runs engine mysql on the MariaDB stand-in; DeleteTarget=false keeps green replicating (MySQL semantics)', async () => {
    await createInstance('legacy-db', 'mysql', 'orders-mysql80', '8.0.41');
    const i = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'legacy-db' })))
      .DBInstances?.[0];
    expect(i).toMatchObject({ Engine: 'mysql', EngineVersion: '8.0.41' });
    const [ver] = await sql<{ v: string }>('legacy-db', 'SELECT @@version AS v');
    expect(ver?.v).toMatch(/MariaDB/); // the stand-in says what it is
    const out = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'legacy-minor',
        Source: 'arn:aws:rds:us-east-1:123456789012:db:legacy-db',
        TargetEngineVersion: '8.0.42',
      }),
    );
    const id = out.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitStatus(id, 'AVAILABLE');
    const greenId = ready.Target?.split(':db:')[1] as string;
    await rds.send(
      new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, DeleteTarget: false }),
    );
    await waitUntil('deployment gone', async () => !(await deployment(id).catch(() => undefined)));
    const green = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: greenId })))
      .DBInstances?.[0];
    expect(green?.ReadReplicaSourceDBInstanceIdentifier).toBe('legacy-db');
    await sql(
      'legacy-db',
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (9, 'still-replicating', 9)",
    );
    await waitUntil('green still replicates', async () => {
      const [r] = await sql<{ n: number }>(
        greenId,
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'still-replicating'",
      );
      return Number(r?.n) === 1;
    });
  });
});
