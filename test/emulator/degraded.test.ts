/**
 * Degraded logical replication, each cause done for real on the servers (the `replication-degraded`
 * fault, or the DDL itself through blue's endpoint): the deployment reports `Replication degraded`, green's
 * StatusInfos turn to `read replication`/`error`, RDS-EVENT-0409 names the cause once, and the switchover
 * is refused with InvalidBlueGreenDeploymentStateFault, seen by the SDK and by the AWS CLI.
 */
import {
  CreateBlueGreenDeploymentCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  InvalidBlueGreenDeploymentStateFault,
  type RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { aws, awsCliPath, query, rdsClient, stopAndCheck, waitUntil } from './helpers.ts';

vi.setConfig({ testTimeout: 120_000 });

let emu: Emulator;
let rds: RDSClient;
const ARN = 'arn:aws:rds:us-east-1:123456789012:db:orders-db';

beforeAll(async () => {
  awsCliPath();
  // The background check is slowed down so that the describes below are what detects the change.
  emu = await startEmulator({ seedRows: 50, degradationCheckMs: 60_000 });
  rds = rdsClient(emu);
});
afterAll(async () => {
  await stopAndCheck(emu);
});

const describeDep = async (id: string) =>
  (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];

const createLogical = async (name: string): Promise<{ id: string; greenId: string }> => {
  const id = (
    await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: name,
        Source: ARN,
        TargetEngineVersion: '18',
      }),
    )
  ).BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
  const d = await waitUntil('AVAILABLE', async () => {
    const x = await describeDep(id);
    return x?.Status === 'AVAILABLE' ? x : undefined;
  });
  return { id, greenId: d.Target?.split(':db:')[1] as string };
};

const greenInfos = async (greenId: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: greenId }))).DBInstances?.[0]
    ?.StatusInfos;

const remove = async (id: string) => {
  await rds.send(
    new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, DeleteTarget: true }),
  );
  await emu.idle();
  await waitUntil('deleted', async () => !(await describeDep(id).catch(() => undefined)));
};

const degradedEvents = (id: string) =>
  emu.events().filter((e) => e.detail.EventID === 'RDS-EVENT-0409' && e.detail.SourceIdentifier === id);

describe('replication degraded (logical path)', () => {
  it('DDL on blue through its endpoint: StatusDetails, green StatusInfos, one event, switchover refused (SDK and CLI)', async () => {
    // Prepare
    const { id, greenId } = await createLogical('degraded-ddl');
    expect(await greenInfos(greenId)).toEqual([
      { StatusType: 'read replication', Normal: true, Status: 'replicating' },
    ]);
    expect((await describeDep(id))?.StatusDetails).toBeUndefined();

    // Act: what a user does by mistake
    await query(emu.connectionConfig('orders-db'), 'ALTER TABLE orders ADD COLUMN note text');
    await query(emu.connectionConfig('orders-db'), "UPDATE orders SET note = 'x' WHERE id = 1");

    // Assess: the SDK
    const d = await describeDep(id);
    expect(d?.Status).toBe('AVAILABLE');
    expect(d?.StatusDetails).toBe('Replication degraded');
    const [info] = (await greenInfos(greenId)) ?? [];
    expect(info).toMatchObject({ StatusType: 'read replication', Normal: false, Status: 'error' });
    expect(info?.Message).toMatch(/Replication degraded: DDL was run on the blue environment.*orders/);
    const events = degradedEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.Message).toMatch(
      /Replication degraded on blue\/green deployment .*DDL.*recreate/,
    );
    const e = await rds
      .send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }))
      .then(
        () => undefined,
        (err: Error) => err,
      );
    expect(e).toBeInstanceOf(InvalidBlueGreenDeploymentStateFault);
    expect(e?.message).toMatch(/Replication degraded\. DDL was run .*recreate them/);

    // Assess: the AWS CLI sees the same
    const cli = await aws(emu, [
      'rds',
      'describe-blue-green-deployments',
      '--blue-green-deployment-identifier',
      id,
    ]);
    expect(cli.code).toBe(0);
    expect(cli.json.BlueGreenDeployments[0].StatusDetails).toBe('Replication degraded');
    const inst = await aws(emu, ['rds', 'describe-db-instances', '--db-instance-identifier', greenId]);
    expect(inst.json.DBInstances[0].StatusInfos[0]).toMatchObject({ Status: 'error', Normal: false });
    const sw = await aws(emu, [
      'rds',
      'switchover-blue-green-deployment',
      '--blue-green-deployment-identifier',
      id,
    ]);
    expect(sw.code).toBe(254);
    expect(sw.stderr).toContain('An error occurred (InvalidBlueGreenDeploymentStateFault)');
    expect(sw.stderr).toContain('Replication degraded');
    // Still one event after all those describes.
    expect(degradedEvents(id)).toHaveLength(1);

    await remove(id);
    await query(emu.connectionConfig('orders-db'), 'ALTER TABLE orders DROP COLUMN note');
  });

  it.each([
    ['large-object', /large objects/],
    ['new-partition', /a new partition was created.*PARTITION OF/],
    ['apply-conflict', /apply worker failed .*apply_error_count/],
  ] as const)('fault replication-degraded cause=%s is reported with its cause', async (cause, message) => {
    // Prepare
    const { id, greenId } = await createLogical(`degraded-${cause}`);
    expect((await describeDep(id))?.StatusDetails).toBeUndefined();

    // Act
    await emu.faults.inject({ kind: 'replication-degraded', cause, deploymentId: id });

    // Assess: an apply error shows once green's worker has tried and failed
    const d = await waitUntil(`${cause} degraded`, async () => {
      const x = await describeDep(id);
      return x?.StatusDetails === 'Replication degraded' ? x : undefined;
    });
    expect(d.Status).toBe('AVAILABLE');
    const [info] = (await greenInfos(greenId)) ?? [];
    expect(info?.Status).toBe('error');
    expect(info?.Message).toMatch(message);
    expect(degradedEvents(id)).toHaveLength(1);
    const e = await rds
      .send(new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }))
      .then(
        () => undefined,
        (err: Error) => err,
      );
    expect(e).toBeInstanceOf(InvalidBlueGreenDeploymentStateFault);
    await remove(id);
  });

  it('data changes alone do not degrade, and a physical deployment refuses the fault', async () => {
    // Prepare
    const { id, greenId } = await createLogical('healthy-writes');
    await query(
      emu.connectionConfig('orders-db'),
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'ok', 5)",
    );
    // Assess
    expect((await describeDep(id))?.StatusDetails).toBeUndefined();
    expect((await greenInfos(greenId))?.[0]?.Status).toBe('replicating');
    await expect(
      emu.faults.inject({ kind: 'replication-degraded', cause: 'ddl', deploymentId: 'bgd-nope' }),
    ).rejects.toThrow(/no AVAILABLE deployment bgd-nope/);
    await remove(id);
    const phys = (
      await rds.send(new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: 'phys', Source: ARN }))
    ).BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    await waitUntil('AVAILABLE', async () => (await describeDep(phys))?.Status === 'AVAILABLE');
    await expect(emu.faults.inject({ kind: 'replication-degraded', cause: 'ddl' })).rejects.toThrow(
      /physical replication, which applies DDL/,
    );
    await remove(phys);
  });
});
