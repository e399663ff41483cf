/**
 * Path tests of the destructive steps: the real ASL, the real handlers, a scripted fake world.
 * Old blue is deleted only when it is still provably old blue; every refusal ends in a defined
 * state, deletes nothing and notifies. Compensate finds green by tag and waits, bounded, for an
 * unknown CreateGreen outcome.
 */
import { describe, expect, it } from 'vitest';
import type { InstanceFacts } from '#domain/facts';
import { makeWorld, type WorldScript } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:switchyard-blue-green-test:path-1';
const DEPLOYMENT = 'bgd-1abcdefghijklmno';
const AFTER_BAKE = [
  'Retain',
  'StartRollbackWindow',
  'OpenRollbackWindow',
  'EndReverseReplication',
  'Cleanup',
];
const deletes = (calls: string[]) => calls.filter((c) => /^delete|^createSnapshot/.test(c));

const runToCleanup = async (script: WorldScript) => {
  const world = makeWorld({ provisioningPolls: 2, ...script });
  const run = await runPath(world, baseInput());
  return { world, run };
};

type Instances = Map<string, InstanceFacts>;
const rename = (instances: Instances, from: string, to: string) => {
  const inst = instances.get(from)!;
  instances.delete(from);
  instances.set(to, {
    ...inst,
    id: to,
    arn: inst.arn.replace(/[^:]+$/, to),
    endpoint: { address: `${to}.example`, port: 5432 },
  });
};

describe('old blue is deleted only when proven', () => {
  it('deletes the proven old blue after its snapshot, tagged and re-checked', async () => {
    const { world, run } = await runToCleanup({});
    expect(run.status).toBe('SUCCEEDED');
    expect(world.instances.has('orders-db-old1')).toBe(false);
    const tags = world.calls.find((c) => c.startsWith('addTags orders-db-old1'));
    expect(tags).toBe(
      'addTags orders-db-old1 switchyard:execution,switchyard:retain-until,switchyard:role,switchyard:source',
    );
    expect(run.output).toMatchObject({
      switchover: { blueResourceId: 'db-ORDERSDB' },
      switchoverStatus: { oldBlueId: 'orders-db-old1', oldBlueResourceId: 'db-ORDERSDB' },
      retain: { oldBlueResourceId: 'db-ORDERSDB' },
      deleteOldBlue: { deleted: true },
    });
  });

  // Each case: what a person (or the world) changes during retention, where the run stops, and why.
  const refusals: Array<[string, WorldScript, string, string[], string]> = [
    [
      'failed back by hand (old blue renamed to the production name)',
      {
        duringRetention: ({ instances }) => {
          rename(instances, 'orders-db', 'orders-db-new');
          rename(instances, 'orders-db-old1', 'orders-db');
        },
      },
      'Switchyard.CleanupIncomplete',
      [...AFTER_BAKE, 'NotifyCleanupHeld', 'CleanupIncomplete'],
      'renamed from orders-db-old1 to orders-db',
    ],
    [
      'a different instance now carries the old blue name',
      {
        duringRetention: ({ instances }) => {
          rename(instances, 'orders-db-old1', 'orders-db-kept');
          instances.set('orders-db-old1', {
            ...instances.get('orders-db-kept')!,
            id: 'orders-db-old1',
            resourceId: 'db-SOMEONEELSE',
          });
        },
      },
      'Switchyard.CleanupIncomplete',
      [...AFTER_BAKE, 'NotifyCleanupHeld', 'CleanupIncomplete'],
      'orders-db-old1 now names resource db-SOMEONEELSE',
    ],
    [
      'its Switchyard role tag was removed',
      {
        duringRetention: ({ instances }) => {
          delete instances.get('orders-db-old1')!.tags['switchyard:role'];
        },
      },
      'Switchyard.CleanupIncomplete',
      [...AFTER_BAKE, 'NotifyCleanupHeld', 'CleanupIncomplete'],
      'tag switchyard:role is missing, not old-blue',
    ],
    [
      'made writable (default_transaction_read_only=0, the runbook fail-back step)',
      { parameters: { default_transaction_read_only: '0' } },
      'Switchyard.CleanupIncomplete',
      [...AFTER_BAKE, 'NotifyCleanupHeld', 'CleanupIncomplete'],
      'default_transaction_read_only=0 was set in its parameter group orders-pg17',
    ],
    [
      'still has connections',
      { connections: { 'orders-db-old1': 3 } },
      'Switchyard.CleanupIncomplete',
      [...AFTER_BAKE, 'NotifyCleanupHeld', 'CleanupIncomplete'],
      'it had 3 connection(s) in the last 15 min',
    ],
    [
      'has no connection datapoints (idleness not proven)',
      { connections: { 'orders-db-old1': null } },
      'Switchyard.CleanupIncomplete',
      [...AFTER_BAKE, 'NotifyCleanupHeld', 'CleanupIncomplete'],
      'no DatabaseConnections datapoint',
    ],
    [
      'held during retention (switchyard hold)',
      {
        duringRetention: ({ instances }) => {
          instances.get('orders-db-old1')!.tags['switchyard:hold'] = 'dba@example.com 2026-11-22';
        },
      },
      'Switchyard.Held',
      [...AFTER_BAKE, 'NotifyHeld', 'Held'],
      'switchyard:hold=dba@example.com 2026-11-22',
    ],
    [
      'the deployment held during retention',
      {
        duringRetention: ({ deployments }) => {
          deployments.get(DEPLOYMENT)!.tags['switchyard:hold'] = 'ops';
        },
      },
      'Switchyard.Held',
      [...AFTER_BAKE, 'NotifyHeld', 'Held'],
      `deployment ${DEPLOYMENT} carries switchyard:hold=ops`,
    ],
  ];

  it.each(refusals)(
    'refuses when old blue was %s: nothing deleted, defined end, notified',
    async (_name, script, error, tail, reason) => {
      const { world, run } = await runToCleanup(script);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe(error);
      expect(run.states.slice(-tail.length)).toEqual(tail);
      expect(deletes(world.calls)).toEqual([]);
      expect(world.published).toHaveLength(1);
      expect(world.published[0]?.message).toContain(reason);
    },
  );

  it('refuses at DeleteOldBlue itself when a hold arrives after the snapshot started', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const createSnapshot = world.gateways.rds.createSnapshot;
    world.gateways.rds.createSnapshot = async (id, instanceId, tags) => {
      const out = await createSnapshot(id, instanceId, tags);
      world.instances.get('orders-db-old1')!.tags['switchyard:hold'] = 'oncall';
      return out;
    };
    const run = await runPath(world, baseInput());
    expect(run.error).toBe('Switchyard.Held');
    expect(run.states.slice(-4)).toEqual(['IsSnapshotReady', 'DeleteOldBlue', 'NotifyHeld', 'Held']);
    expect(world.calls.some((c) => c.startsWith('deleteInstance'))).toBe(false);
    expect(world.instances.get('orders-db-old1')?.status).toBe('available');
    expect(world.published[0]?.subject).toBe('[Switchyard] orders-db: held');
  });
});

describe('Compensate finds green and waits, bounded, for an unknown CreateGreen outcome', () => {
  it('finds green only by the execution tag when the lookup by name misses it', async () => {
    const world = makeWorld({ provisioningPolls: 2, nameLookupBlind: true });
    const run = await runPath(world, baseInput(), 'reject');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(world.calls).toContain(`deleteDeployment ${DEPLOYMENT} deleteTarget=true`);
    expect(world.instances.has('orders-db-green-abc123')).toBe(false);
  });

  it('keeps looking when CreateGreen lost its response, then deletes the green RDS did create', async () => {
    // Invisible to 3 lookups by name and 3 by tag: Compensate's first attempts see nothing.
    const world = makeWorld({ provisioningPolls: 2, createResponseLost: { invisibleLookups: 6 } });
    const run = await runPath(world, baseInput());
    expect(run.states.slice(0, 10)).toEqual([
      'Begin',
      'Preflight',
      'StartMigrations',
      'ApplyMigrations',
      'AreMigrationsApplied',
      'InstallDdlGuard',
      'HasBeforeCreateHooks',
      'CreateGreen',
      'CreateGreenOutcomeUnknown',
      'Compensate',
    ]);
    const compensateRetries = run.retries.filter((r) => r.state === 'Compensate');
    expect(compensateRetries.length).toBeGreaterThanOrEqual(1);
    expect(compensateRetries.length).toBeLessThan(5);
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(world.calls).toContain(`deleteDeployment ${DEPLOYMENT} deleteTarget=true`);
    expect(world.deployments.size).toBe(0);
  });

  it('concludes "nothing created" only after the bounded lookup (5 retries) finds nothing', async () => {
    const world = makeWorld({ createFails: true });
    const run = await runPath(world, baseInput());
    expect(run.retries.filter((r) => r.state === 'Compensate')).toHaveLength(5);
    expect(run.states.slice(-5)).toEqual([
      'CreateGreenOutcomeUnknown',
      'Compensate',
      'NothingCreated',
      'NotifyRolledBack',
      'RolledBack',
    ]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57']);
    expect(world.published).toHaveLength(1);
    expect(world.published[0]?.message).toContain('Compensation: nothing-found-after-bounded-lookup');
  });

  it('refuses to delete a held green and ends Held, notified', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    // A person holds the run while RDS refuses the switch with a terminal error: Compensate must not delete.
    world.gateways.rds.switchover = async () => {
      world.deployments.get(DEPLOYMENT)!.tags['switchyard:hold'] = 'dba';
      const err = new Error('green is not available');
      err.name = 'InvalidParameterCombination';
      throw err;
    };
    const run = await runPath(world, baseInput());
    expect(run.error).toBe('Switchyard.Held');
    expect(run.states.slice(-3)).toEqual(['Compensate', 'NotifyHeld', 'Held']);
    expect(world.calls.some((c) => c.startsWith('deleteDeployment'))).toBe(false);
    expect(world.published[0]?.message).toContain('switchyard:hold=dba');
  });

  it('starts the failed-after-switch runbook with the hold command', async () => {
    const world = makeWorld({ provisioningPolls: 2, alarmsAfterSwitch: { 'orders-5xx': 'ALARM' } });
    const run = await runPath(world, baseInput());
    expect(run.error).toBe('Switchyard.FailedAfterSwitch');
    const message = world.published[0]?.message ?? '';
    const runbook = message.slice(message.indexOf('Fail-back runbook:'));
    expect(runbook.split('\n')[1]).toContain(`npx switchyard hold ${EXEC}`);
  });
});
