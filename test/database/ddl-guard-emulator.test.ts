/**
 * The DDL guard through a physical Blue/Green deployment on the emulator (real streaming replication):
 * green inherits the event triggers (a read-only standby runs no DDL to fire them); DDL on blue is logged during
 * the window; after the switch the new primary carries the guard until ReleaseDdlGuard removes it from
 * both sides, as the RDS user guide describes for read replicas that are promoted.
 */
import {
  CreateBlueGreenDeploymentCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { makeDdlGuardGateway } from '../../src/aws/ddl-guard-gateway.ts';
import { EXTRA_CA_ENV } from '../../src/aws/pg-connection.ts';
import { planGuard } from '../../src/domain/ddl-guard.ts';
import { query, rdsClient, stopAndCheck, waitUntil } from '../emulator/helpers.ts';

let emu: Emulator;
let rds: RDSClient;
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:sm:guard-physical';
const PARAMETER = '/switchyard/test/db/master';

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 20 });
  rds = rdsClient(emu);
  process.env[EXTRA_CA_ENV] = emu.caFile;
});
afterAll(async () => {
  delete process.env[EXTRA_CA_ENV];
  await stopAndCheck(emu);
});

const target = (id: string) => {
  const c = emu.connectionConfig(id);
  return {
    host: String(c.host),
    port: Number(c.port),
    name: String(c.database),
    user: String(c.user),
    passwordParameter: PARAMETER,
  };
};
const guard = makeDdlGuardGateway(async () => String(emu.connectionConfig('orders-db').password));
const triggersOn = async (id: string): Promise<string[]> =>
  (
    await query<{ evtname: string }>(
      emu.connectionConfig(id),
      'SELECT evtname FROM pg_event_trigger ORDER BY 1',
    )
  ).map((r) => r.evtname);
const status = async (id: string) =>
  (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];

describe('DDL guard through a physical deployment on the emulator', () => {
  it('is inherited by green, logs DDL on blue during the window, and is removed from both sides after the switch', async () => {
    // Prepare: the guard on blue before green exists (InstallDdlGuard), then green (17.10 → 17.11: physical).
    await guard.install(target('orders-db'), EXECUTION, planGuard('physical', false, true));
    const created = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'guard-physical',
        Source: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
        TargetEngineVersion: '17.11',
      }),
    );
    const id = created.BlueGreenDeployment?.BlueGreenDeploymentIdentifier ?? '';
    const ready = await waitUntil('green AVAILABLE', async () =>
      (await status(id))?.Status === 'AVAILABLE' ? await status(id) : undefined,
    );
    const greenId = (ready?.Target ?? '').split(':').pop() ?? '';

    // Act + Assess: green is a copy of blue, triggers included; DDL on blue is logged.
    expect(await triggersOn(greenId)).toEqual(['switchyard_ddl_log']);
    await query(emu.connectionConfig('orders-db'), 'CREATE INDEX orders_status_idx ON orders (status)');
    const seen = await guard.observe(target('orders-db'), EXECUTION);
    expect(seen).toMatchObject({ logged: 1, schemaChanged: true });
    expect(seen?.entries[0]?.commandTag).toBe('CREATE INDEX');

    // The switch: green (now orders-db) carries the guard; old blue keeps its own.
    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, SwitchoverTimeout: 60 }),
    );
    await waitUntil('switchover', async () => (await status(id))?.Status === 'SWITCHOVER_COMPLETED');
    const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const oldBlue = instances.map((i) => i.DBInstanceIdentifier ?? '').find((n) => /-old\d+$/.test(n)) ?? '';
    expect(await triggersOn('orders-db')).toEqual(['switchyard_ddl_log']);

    // ReleaseDdlGuard: old blue (read-only) first, then the new primary.
    const fromOld = await guard.release(target(oldBlue), EXECUTION);
    const fromNew = await guard.release(target('orders-db'), EXECUTION);
    expect(fromOld).toMatchObject({ released: true, observation: { logged: 1 } });
    expect(fromNew.released).toBe(true);
    expect(await triggersOn(oldBlue)).toEqual([]);
    expect(await triggersOn('orders-db')).toEqual([]);
    await rds.send(new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
  }, 120_000);
});
