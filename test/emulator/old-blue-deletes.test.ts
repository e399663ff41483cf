/**
 * Deletes only of the proven old blue, on the emulator (real PostgreSQL, the real SDK clients, the
 * real handlers and the `switchyard hold` command): a switch, Retain's tags, then a hold and a
 * fail-back by hand (ModifyDBInstance NewDBInstanceIdentifier) are each refused with nothing deleted;
 * once renamed back and released, the proof holds and old blue is snapshotted and deleted.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  type RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateways } from '#aws/gateways';
import { makeMetricsGateway } from '#aws/metrics-gateway';
import { makeRdsGateway } from '#aws/rds-gateway';
import { run as hold } from '../../bin/commands/hold.ts';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { makeCheckSwitchoverHandler } from '../../functions/check-switchover.ts';
import { makeCleanupHandler } from '../../functions/cleanup.ts';
import { makeDeleteOldBlueHandler } from '../../functions/delete-old-blue.ts';
import { makeRetainHandler } from '../../functions/retain.ts';
import { makeSwitchoverHandler } from '../../functions/switchover.ts';
import { aws, credentials, rdsClient, stopAndCheck, unretriedAt, waitUntil } from './helpers.ts';

const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:switchyard-blue-green:emu-deletes';
const ENV_KEYS = [
  'AWS_ENDPOINT_URL_RDS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

let emu: Emulator;
let rds: RDSClient;
let gw: Pick<Gateways, 'rds' | 'metrics' | 'clock'>;
let deploymentId: string;
let oldBlue: { id: string; resourceId: string };

const instance = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];
const renameTo = async (from: string, to: string) => {
  await rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: from,
      NewDBInstanceIdentifier: to,
      ApplyImmediately: true,
    }),
  );
  await waitUntil(
    `${from} renamed to ${to}`,
    async () => (await instance(to))?.DBInstanceStatus === 'available',
  );
};
const claim = () => ({
  deploymentId,
  oldBlueId: oldBlue.id,
  oldBlueResourceId: oldBlue.resourceId,
  executionId: EXEC,
  sourceId: 'orders-db',
});

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 20, delays: { taskMs: 50, deleteMs: 50 } });
  rds = rdsClient(emu);
  // The hold command builds its own client from the standard variables, as it would against AWS.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_RDS: emu.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  gw = {
    rds: makeRdsGateway(rds),
    metrics: makeMetricsGateway(new CloudWatchClient(unretriedAt(emu))),
    clock: () => new Date(),
  };
  const created = await rds.send(
    new CreateBlueGreenDeploymentCommand({
      BlueGreenDeploymentName: 'sy-orders-db-emu',
      Source: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
      TargetDBInstanceClass: 'db.r7g.large',
      Tags: [{ Key: 'switchyard:execution', Value: EXEC }],
    }),
  );
  deploymentId = created.BlueGreenDeployment!.BlueGreenDeploymentIdentifier!;
  const status = async () =>
    (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: deploymentId })))
      .BlueGreenDeployments?.[0]?.Status;
  await waitUntil('green available', async () => (await status()) === 'AVAILABLE', 90_000);
  const started = await makeSwitchoverHandler(gw)({ deploymentId, timeoutSeconds: 300 }, {});
  await waitUntil('switched', async () => (await status()) === 'SWITCHOVER_COMPLETED', 60_000);
  const switched = await makeCheckSwitchoverHandler(gw)(
    { deploymentId, bakeSeconds: 0, blueResourceId: started.blueResourceId },
    {},
  );
  expect(switched.oldBlueId).toBe('orders-db-old1');
  expect(switched.oldBlueResourceId).toBe(started.blueResourceId);
  oldBlue = { id: switched.oldBlueId!, resourceId: switched.oldBlueResourceId! };
  await makeRetainHandler(gw)(
    {
      oldBlueId: oldBlue.id,
      oldBlueResourceId: oldBlue.resourceId,
      retentionSeconds: 0,
      executionId: EXEC,
      sourceId: 'orders-db',
    },
    {},
  );
}, 180_000);

afterAll(async () => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await stopAndCheck(emu);
});

describe('old blue on the emulator', () => {
  it('`switchyard hold` tags the run and Cleanup refuses to snapshot or delete anything', async () => {
    expect(await hold([EXEC, '--by', 'dba@example.com'])).toBe(0);
    const tags = (await instance(oldBlue.id))?.TagList ?? [];
    expect(tags.find((t) => t.Key === 'switchyard:hold')?.Value).toMatch(/^dba@example.com \d{4}-/);
    await expect(makeCleanupHandler(gw)(claim(), {})).rejects.toMatchObject({ name: 'DeletionHeldError' });
    expect((await instance(oldBlue.id))?.DBInstanceStatus).toBe('available');
    expect(await gw.rds.describeDeployment(deploymentId)).toBeDefined();
    // Release: the operator removes the tag from everything the command tagged.
    const arns = [
      (await instance('orders-db'))!.DBInstanceArn!,
      (await instance(oldBlue.id))!.DBInstanceArn!,
      `arn:aws:rds:us-east-1:123456789012:deployment:${deploymentId}`,
    ];
    for (const arn of arns)
      await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['switchyard:hold'] }));
  });

  it('`switchyard hold` refuses a malformed ARN and says so when the run has nothing to hold', async () => {
    expect(await hold(['run-1'])).toBe(2);
    expect(await hold([EXEC.replace('emu-deletes', 'another-run')])).toBe(1);
    const tags = (await instance(oldBlue.id))?.TagList ?? [];
    expect(tags.some((t) => t.Key === 'switchyard:hold')).toBe(false);
  });

  it('refuses a failed-back old blue (renamed by hand to the production name, taking its endpoint)', async () => {
    const productionPort = (await instance('orders-db'))?.Endpoint?.Port;
    await renameTo('orders-db', 'orders-db-new');
    await renameTo(oldBlue.id, 'orders-db');
    const failedBack = await instance('orders-db');
    expect(failedBack?.DbiResourceId).toBe(oldBlue.resourceId);
    expect(failedBack?.Endpoint?.Port).toBe(productionPort);
    const cleanup = makeCleanupHandler(gw)(claim(), {});
    await expect(cleanup).rejects.toMatchObject({ name: 'OldBlueNotProvenError' });
    await expect(cleanup).rejects.toThrow(/renamed from orders-db-old1 to orders-db/);
    await expect(
      makeDeleteOldBlueHandler(gw)({ ...claim(), snapshotId: 'sy-final-none' }, {}),
    ).rejects.toThrow(/owns the production name orders-db/);
    expect((await instance('orders-db'))?.DBInstanceStatus).toBe('available');
    expect(
      emu.events().some((e) => /Renamed instance from orders-db-old1 to orders-db/.test(e.detail.Message)),
    ).toBe(true);
  });

  it('snapshots and deletes old blue once it is provably old blue again', async () => {
    await renameTo('orders-db', oldBlue.id);
    // The AWS CLI, as a second client, renames the new primary back to the production name.
    const cli = await aws(emu, [
      'rds',
      'modify-db-instance',
      '--db-instance-identifier',
      'orders-db-new',
      '--new-db-instance-identifier',
      'orders-db',
      '--apply-immediately',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.json.DBInstance.DBInstanceStatus).toBe('renaming');
    await waitUntil(
      'orders-db back',
      async () => (await instance('orders-db'))?.DBInstanceStatus === 'available',
    );
    const cleaned = await makeCleanupHandler(gw)(claim(), {});
    await waitUntil(
      'final snapshot available',
      async () => (await gw.rds.describeSnapshot(cleaned.snapshotId))?.status === 'available',
      60_000,
    );
    const deleted = await makeDeleteOldBlueHandler(gw)({ ...claim(), snapshotId: cleaned.snapshotId }, {});
    expect(deleted).toEqual({ deleted: true, status: 'deleting' });
    await waitUntil(
      'old blue gone',
      async () => (await gw.rds.describeInstanceByResourceId(oldBlue.resourceId)) === undefined,
    );
    expect((await instance('orders-db'))?.DBInstanceStatus).toBe('available');
  });
});
