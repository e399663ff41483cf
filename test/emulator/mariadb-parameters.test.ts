/**
 * MySQL-family `read_only` through DB parameter groups on real MariaDB servers, as RDS applies it: a
 * dynamic change is `applying` for a moment and then reaches every server of the group; a static change
 * (or ApplyMethod pending-reboot) waits for RebootDBInstance; `{TrueIfReplica}` keeps green read-only; old
 * blue stays read-only after a switchover until its group says 0 and it is rebooted. The SDK and the AWS
 * CLI drive it; an application account's INSERT proves the effect. One emulator for the file: the cases
 * run in order on the same instances.
 *
 * Needs Debian's MariaDB: without it the file is skipped and says how to install it.
 */

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBlueGreenDeploymentCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  ModifyDBParameterGroupCommand,
  type RDSClient,
  RebootDBInstanceCommand,
  ResetDBParameterGroupCommand,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { MARIADB_INSTALL_HINT, mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { aws, awsCliPath, rdsClient, stopAndCheck, waitUntil } from './helpers.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const available = mariadbAvailable();
if (!available)
  console.warn(`MariaDB tests skipped: the MariaDB binaries are missing. Install: ${MARIADB_INSTALL_HINT}`);

const APPLY_MS = 400;
let emu: Emulator;
let rds: RDSClient;

/** Connects as the master user, or as the application account `app` (INSERT and SELECT on `shop`). */
const cfg = (id: string, user: 'master' | 'app' = 'app'): mysql.ConnectionOptions => {
  const c = emu.connectionConfig(id);
  return {
    host: c.host,
    port: c.port,
    user: user === 'app' ? 'app' : c.user,
    password: user === 'app' ? 'app-secret-1' : c.password,
    database: 'shop',
    ssl: c.ssl,
  };
};
const sql = async <R = Record<string, unknown>>(
  id: string,
  text: string,
  user: 'master' | 'app' = 'app',
): Promise<R[]> => {
  const c = await mysql.createConnection(cfg(id, user));
  c.on('error', () => {});
  try {
    const [rows] = await c.query(text);
    return rows as R[];
  } finally {
    await c.end().catch(() => {});
  }
};
const insert = (id: string) =>
  sql(id, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'app', 1)");
/** The errno of a refused INSERT (1290: ER_OPTION_PREVENTS_STATEMENT, `--read-only`), or 0 when it worked. */
const insertErrno = async (id: string): Promise<number> => {
  try {
    await insert(id);
    return 0;
  } catch (e) {
    return (e as { errno?: number }).errno ?? -1;
  }
};
const readOnlyOf = async (id: string): Promise<number> =>
  Number((await sql<{ ro: number }>(id, 'SELECT @@global.read_only AS ro', 'master'))[0]?.ro);

const instance = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
const applyStatus = async (id: string) => (await instance(id))?.DBParameterGroups?.[0]?.ParameterApplyStatus;
const waitApplyStatus = (id: string, status: string) =>
  waitUntil(
    `${id} ParameterApplyStatus ${status}`,
    async () => (await applyStatus(id)) === status,
    30_000,
    50,
  );
/** RebootDBInstance, then wait until the instance is available with its group in-sync. */
const rebootAndWait = async (id: string) => {
  await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: id }));
  await waitUntil(`${id} rebooted`, async () => {
    const i = await instance(id);
    return (
      i?.DBInstanceStatus === 'available' && i.DBParameterGroups?.[0]?.ParameterApplyStatus === 'in-sync'
    );
  });
};

const setReadOnly = (group: string, value: string, method: 'immediate' | 'pending-reboot' = 'immediate') =>
  rds.send(
    new ModifyDBParameterGroupCommand({
      DBParameterGroupName: group,
      Parameters: [{ ParameterName: 'read_only', ParameterValue: value, ApplyMethod: method }],
    }),
  );
const userValues = async (group: string) =>
  (
    await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: group, Source: 'user' }))
  ).Parameters?.map((p) => [p.ParameterName, p.ParameterValue]);

const createGroup = (name: string) =>
  rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: name,
      DBParameterGroupFamily: 'mariadb10.11',
      Description: `${name}: read_only tests`,
    }),
  );

const createBareInstance = async (id: string, group: string) => {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'mariadb',
      DBInstanceClass: 'db.t4g.medium',
      MasterUsername: 'admin',
      MasterUserPassword: 'secret-pw-1',
      DBName: 'shop',
      DBParameterGroupName: group,
      BackupRetentionPeriod: 7,
    }),
  );
  await waitUntil(`${id} available`, async () => (await instance(id))?.DBInstanceStatus === 'available');
};

const createInstance = async (id: string, group: string) => {
  await createBareInstance(id, group);
  await sql(
    id,
    `CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL,
       status VARCHAR(20) NOT NULL, amount_cents INT NOT NULL)`,
    'master',
  );
  // An application account, as the master user can create it on RDS (no SUPER, no READ_ONLY ADMIN).
  await sql(id, "CREATE USER 'app'@'%' IDENTIFIED BY 'app-secret-1'", 'master');
  await sql(id, "GRANT SELECT, INSERT ON shop.* TO 'app'@'%'", 'master');
};

describe.skipIf(!available)('MySQL-family read_only through DB parameter groups (real MariaDB)', () => {
  beforeAll(async () => {
    awsCliPath();
    emu = await startEmulator({ seed: false, delays: { taskMs: 20, parameterApplyMs: APPLY_MS } });
    rds = rdsClient(emu);
    await createGroup('ro-blue');
    await createGroup('ro-green');
    await createInstance('ro-a', 'ro-blue');
    await createInstance('ro-b', 'ro-blue');
  });
  afterAll(async () => {
    await stopAndCheck(emu);
  });

  it('read_only=1 is applying, then in-sync on every instance of the group, and the app INSERT gets 1290', async () => {
    expect(await insertErrno('ro-a')).toBe(0);
    const started = Date.now();
    const out = await setReadOnly('ro-blue', '1');
    expect(out.DBParameterGroupName).toBe('ro-blue');
    // Asynchronous, as on RDS: the response comes first, the servers change after the apply delay.
    expect(await applyStatus('ro-a')).toBe('applying');
    await waitApplyStatus('ro-a', 'in-sync');
    await waitApplyStatus('ro-b', 'in-sync');
    expect(Date.now() - started).toBeGreaterThanOrEqual(APPLY_MS);
    expect(await insertErrno('ro-a')).toBe(1290);
    expect(await insertErrno('ro-b')).toBe(1290);
    // A dynamic change does not ask for a reboot.
    expect(await applyStatus('ro-a')).not.toBe('pending-reboot');
    // The same value again is not registered: nothing to apply.
    await setReadOnly('ro-blue', '1');
    expect(await applyStatus('ro-a')).toBe('in-sync');
  });

  it('ResetDBParameterGroup through the AWS CLI makes them writable again ({TrueIfReplica}: not replicas)', async () => {
    const r = await aws(emu, [
      'rds',
      'reset-db-parameter-group',
      '--db-parameter-group-name',
      'ro-blue',
      '--parameters',
      'ParameterName=read_only,ApplyMethod=immediate',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toEqual({ DBParameterGroupName: 'ro-blue' });
    await waitUntil(
      'ro-a in-sync (CLI)',
      async () => {
        const d = await aws(emu, ['rds', 'describe-db-instances', '--db-instance-identifier', 'ro-a']);
        return d.json?.DBInstances?.[0]?.DBParameterGroups?.[0]?.ParameterApplyStatus === 'in-sync';
      },
      30_000,
      100,
    );
    await waitApplyStatus('ro-b', 'in-sync');
    expect(await insertErrno('ro-a')).toBe(0);
    expect(await insertErrno('ro-b')).toBe(0);
    expect(await userValues('ro-blue')).toEqual([]);
  });

  it('a static change gives pending-reboot; a dynamic one meanwhile is applying, then pending-reboot again', async () => {
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'ro-blue',
        Parameters: [
          { ParameterName: 'lower_case_table_names', ParameterValue: '1', ApplyMethod: 'pending-reboot' },
        ],
      }),
    );
    expect(await applyStatus('ro-a')).toBe('pending-reboot');
    await setReadOnly('ro-blue', '1');
    expect(await applyStatus('ro-a')).toBe('applying');
    await waitApplyStatus('ro-a', 'pending-reboot');
    expect(await readOnlyOf('ro-a')).toBe(1);
    // RebootDBInstance clears pending-reboot, and the server comes back with its group's read_only.
    await rebootAndWait('ro-a');
    expect(await readOnlyOf('ro-a')).toBe(1);
    expect(await insertErrno('ro-a')).toBe(1290);
  });

  it('a dynamic change sent with ApplyMethod pending-reboot waits for the reboot', async () => {
    await setReadOnly('ro-blue', '0', 'pending-reboot');
    expect(await applyStatus('ro-a')).toBe('pending-reboot');
    await new Promise((r) => setTimeout(r, APPLY_MS + 200));
    expect(await readOnlyOf('ro-a')).toBe(1);
    await rebootAndWait('ro-a');
    expect(await insertErrno('ro-a')).toBe(0);
    // ro-b was not rebooted: still read-only from the earlier immediate read_only=1, still pending-reboot.
    expect(await applyStatus('ro-b')).toBe('pending-reboot');
    expect(await insertErrno('ro-b')).toBe(1290);
  });

  it('refuses bad requests with the RDS codes and changes nothing', async () => {
    const before = await userValues('ro-blue');
    const err = async (p: Promise<unknown>) => {
      const e = (await p.then(
        () => undefined,
        (x: unknown) => x,
      )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
      expect(e, 'the call should have failed').toBeDefined();
      return { name: e?.name, message: e?.message, status: e?.$metadata?.httpStatusCode };
    };
    expect(await err(setReadOnly('default.mariadb10.11', '1'))).toEqual({
      name: 'InvalidParameterValue',
      message: 'Cannot modify a default parameter group.',
      status: 400,
    });
    expect(
      await err(
        rds.send(
          new ResetDBParameterGroupCommand({
            DBParameterGroupName: 'default.mariadb10.11',
            ResetAllParameters: true,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue', message: 'Cannot modify a default parameter group.' });
    expect(
      await err(rds.send(new ResetDBParameterGroupCommand({ DBParameterGroupName: 'no-such-group' }))),
    ).toEqual({
      name: 'DBParameterGroupNotFoundFault',
      message: 'DBParameterGroup not found: no-such-group',
      status: 404,
    });
    expect(await err(setReadOnly('no-such-group', '1'))).toMatchObject({
      name: 'DBParameterGroupNotFoundFault',
      status: 404,
    });
    expect(
      await err(
        rds.send(
          new ResetDBParameterGroupCommand({
            DBParameterGroupName: 'ro-blue',
            ResetAllParameters: true,
            Parameters: [{ ParameterName: 'read_only', ApplyMethod: 'immediate' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination', status: 400 });
    expect(
      await err(
        rds.send(
          new ResetDBParameterGroupCommand({
            DBParameterGroupName: 'ro-blue',
            Parameters: [{ ParameterName: 'no_such_parameter', ApplyMethod: 'immediate' }],
          }),
        ),
      ),
    ).toEqual({
      name: 'InvalidParameterValue',
      message: 'Could not find parameter with name: no_such_parameter',
      status: 400,
    });
    expect(
      await err(
        rds.send(
          new ModifyDBParameterGroupCommand({
            DBParameterGroupName: 'ro-blue',
            Parameters: [
              { ParameterName: 'read_only', ParameterValue: '0', ApplyMethod: 'immediate' },
              { ParameterName: 'lower_case_table_names', ParameterValue: '0', ApplyMethod: 'immediate' },
            ],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination', status: 400 });
    expect(await err(setReadOnly('ro-blue', 'yes'))).toMatchObject({ name: 'InvalidParameterValue' });
    // The CLI sees the same codes.
    const cli = await aws(emu, [
      'rds',
      'reset-db-parameter-group',
      '--db-parameter-group-name',
      'no-such-group',
      '--reset-all-parameters',
    ]);
    expect(cli.code).toBe(254);
    expect(cli.stderr).toContain('(DBParameterGroupNotFound)');
    // Nothing changed: the same user values, no apply started.
    expect(await userValues('ro-blue')).toEqual(before);
    expect(await applyStatus('ro-b')).toBe('pending-reboot');
  });

  let greenId = '';
  let bgId = '';

  it('{TrueIfReplica} keeps green read-only while read_only=0 in its group makes it writable', async () => {
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ro-b' }));
    await waitUntil('ro-b rebooted', async () => (await applyStatus('ro-b')) === 'in-sync');
    const created = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'ro-switch',
        Source: 'arn:aws:rds:us-east-1:123456789012:db:ro-a',
        TargetDBParameterGroupName: 'ro-green',
      }),
    );
    bgId = created.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const ready = await waitUntil(
      'deployment AVAILABLE',
      async () => {
        const d = (
          await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: bgId }))
        ).BlueGreenDeployments?.[0];
        if (d?.Status === 'INVALID_CONFIGURATION')
          throw new Error(`INVALID_CONFIGURATION: ${d.StatusDetails}`);
        return d?.Status === 'AVAILABLE' ? d : undefined;
      },
      90_000,
      200,
    );
    greenId = ready.Target?.split(':db:')[1] as string;
    expect(await readOnlyOf(greenId)).toBe(1);
    await setReadOnly('ro-green', '0');
    await waitApplyStatus(greenId, 'in-sync');
    expect(await readOnlyOf(greenId)).toBe(0);
    await setReadOnly('ro-green', '{TrueIfReplica}');
    await waitApplyStatus(greenId, 'in-sync');
    expect(await readOnlyOf(greenId)).toBe(1);
    expect(await insertErrno('ro-a')).toBe(0); // blue untouched by green's group
  });

  it('after the switchover: read_only=1 blocks the new primary; old blue stays read-only at 0 until rebooted', async () => {
    await rds.send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: bgId }));
    await waitUntil('SWITCHOVER_COMPLETED', async () => {
      const d = (
        await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: bgId }))
      ).BlueGreenDeployments?.[0];
      return d?.Status === 'SWITCHOVER_COMPLETED';
    });
    // ro-a is now the new primary (green's server, group ro-green); ro-a-old1 is old blue (group ro-blue).
    expect((await instance('ro-a'))?.DBParameterGroups?.[0]?.DBParameterGroupName).toBe('ro-green');
    expect(await insertErrno('ro-a')).toBe(0);
    expect(await insertErrno('ro-a-old1')).toBe(1290);
    // The fail-back's write block: read_only=1 in the new primary's group.
    await setReadOnly('ro-green', '1');
    await waitApplyStatus('ro-a', 'in-sync');
    expect(await insertErrno('ro-a')).toBe(1290);
    // Old blue's group says {TrueIfReplica} (0 for a primary), then 0: RDS holds it read-only until a reboot.
    for (const value of ['{TrueIfReplica}', '0']) {
      await setReadOnly('ro-blue', value);
      expect(await applyStatus('ro-a-old1')).toBe('applying');
      await waitApplyStatus('ro-a-old1', 'in-sync');
      expect(await insertErrno('ro-a-old1')).toBe(1290);
    }
    await rebootAndWait('ro-a-old1');
    expect(await insertErrno('ro-a-old1')).toBe(0);
    expect(await insertErrno('ro-a')).toBe(1290);
    // And back: the new primary writable again once its group says {TrueIfReplica} (not a replica now).
    await setReadOnly('ro-green', '{TrueIfReplica}');
    await waitApplyStatus('ro-a', 'in-sync');
    expect(await insertErrno('ro-a')).toBe(0);
  });
  it('a rolled-back switchover leaves blue as its group holds it: read-only under read_only=1', async () => {
    await setReadOnly('ro-blue', '1');
    await waitApplyStatus('ro-b', 'in-sync');
    const created = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'ro-rollback',
        Source: 'arn:aws:rds:us-east-1:123456789012:db:ro-b',
      }),
    );
    const id = created.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    const status = async () =>
      (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
        .BlueGreenDeployments?.[0]?.Status;
    await waitUntil('ro-rollback AVAILABLE', async () => (await status()) === 'AVAILABLE', 90_000, 200);
    await emu.faults.inject({ kind: 'switchover-fails', reason: 'test rollback' });
    try {
      await rds.send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
      await waitUntil('SWITCHOVER_FAILED', async () => (await status()) === 'SWITCHOVER_FAILED');
    } finally {
      await emu.faults.clear('switchover-fails');
    }
    expect(await readOnlyOf('ro-b')).toBe(1);
    expect(await insertErrno('ro-b')).toBe(1290);
  });

  it('an instance created with a group that already says read_only=1 starts read-only', async () => {
    await createGroup('ro-locked');
    await setReadOnly('ro-locked', '1');
    await createBareInstance('ro-c', 'ro-locked');
    expect(await readOnlyOf('ro-c')).toBe(1);
    expect(await applyStatus('ro-c')).toBe('in-sync');
    // Even the master user (no SUPER, no READ_ONLY ADMIN, as on RDS) cannot write.
    const refused = await sql('ro-c', 'CREATE TABLE t (id INT PRIMARY KEY)', 'master').then(
      () => 0,
      (e: { errno?: number }) => e.errno,
    );
    expect(refused).toBe(1290);
  });
});

describe.skipIf(!available)('an apply cut short by a crash', () => {
  let dataDir = '';
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sy-mdb-params-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(async () => {
    await stopAndCheck(emu);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is finished at the next start: read_only as the group says, status in-sync', async () => {
    emu = await startEmulator({ dataDir, seed: false, delays: { taskMs: 0 } });
    rds = rdsClient(emu);
    await createGroup('ro-crash');
    await createBareInstance('ro-d', 'ro-crash');
    await emu.stop();
    // What a crash in the middle of an apply leaves: the group changed, the status still applying.
    const statePath = join(dataDir, 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    state.parameterGroups.find((g: { name: string }) => g.name === 'ro-crash').params.read_only = '1';
    state.instances.find((i: { id: string }) => i.id === 'ro-d').parameterApplyStatus = 'applying';
    writeFileSync(statePath, JSON.stringify(state));
    emu = await startEmulator({ dataDir, seed: false });
    rds = rdsClient(emu);
    expect(await applyStatus('ro-d')).toBe('in-sync');
    expect(await readOnlyOf('ro-d')).toBe(1);
  });
});
