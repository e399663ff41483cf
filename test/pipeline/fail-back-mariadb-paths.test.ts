/**
 * Path tests of the fail-back on RDS for MariaDB (issue #15): the real ASL and handlers, the fake world
 * scripted as MariaDB. Writes are blocked and unblocked through `read_only` in each instance's own DB
 * parameter group (the master user may not SET GLOBAL read_only), old blue is rebooted to drop the hold
 * RDS keeps after the switchover, and every undo puts the groups back as they were.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld, type WorldScript } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const GREEN_RESOURCE = 'db-ORDERSDBGREENABC123';
const BLUE_RESOURCE = 'db-ORDERSDB';
const BLUE_GROUP = 'orders-mariadb';
const GREEN_GROUP = 'orders-mariadb-green';

const mariadbWorld = (extra: WorldScript = {}) =>
  makeWorld({
    provisioningPolls: 2,
    source: {
      engine: 'mariadb',
      engineVersion: '10.11.9',
      parameterGroups: [{ name: BLUE_GROUP, applyStatus: 'in-sync' }],
      optionGroups: [{ name: 'default:mariadb-10-11', status: 'in-sync' }],
      endpoint: { address: 'orders-db.example', port: 3306 },
    },
    green: {
      engineVersion: '10.11.10',
      parameterGroups: [{ name: GREEN_GROUP, applyStatus: 'in-sync' }],
    },
    upgradeTargets: ['10.11.10'],
    groupParameters: {
      [BLUE_GROUP]: { binlog_format: 'ROW', event_scheduler: 'OFF' },
      [GREEN_GROUP]: { binlog_format: 'ROW', event_scheduler: 'OFF' },
    },
    reverseStatuses: [{ state: 'replicating', lag: 0 }],
    ...extra,
  });

const failBack = async (script: WorldScript = {}) => {
  const world = mariadbWorld(script);
  const input = baseInput({
    target: { engineVersion: '10.11.10', dbParameterGroupName: GREEN_GROUP },
    database: { name: 'app', user: 'switchyard_smoke', passwordParameter: '/switchyard/test/db/smoke' },
    verify: { bakeMinutes: 1, pollSeconds: 1, alarmNames: [], smokeSql: ['SELECT count(*) FROM orders'] },
    failBack: { catchUpDeadlineSeconds: 10, pollSeconds: 5, renamePollSeconds: 60 },
  });
  const run = await runPath(world, input, 'approve', undefined, { failBackDecisions: 1 });
  const from = run.states.indexOf('OpenRollbackWindow');
  return { world, run, branch: run.states.slice(from) };
};

const groupCalls = (calls: string[]) =>
  calls.filter((c) =>
    /^(setParameter|resetParameter|rebootInstance|removeTags|addTags \S+ switchyard:read-only-before)/.test(
      c,
    ),
  );

describe('MariaDB fail-back through parameter groups', () => {
  it('blocks writes with read_only=1 in the new primary’s group, reboots old blue writable, renames; nothing deleted', async () => {
    // Act
    const { world, run, branch } = await failBack();
    // Assess: old blue is rebooted and seen back (quick here) inside HandOverToOldBlue, before any rename,
    // and only once the reverse stream is gone.
    expect(run.status).toBe('SUCCEEDED');
    expect(
      branch.slice(branch.indexOf('HandOverToOldBlue'), branch.indexOf('RenameNewPrimaryAside') + 1),
    ).toEqual(['HandOverToOldBlue', 'IsOldBlueWritable', 'RenameNewPrimaryAside']);
    expect(world.reverseCalls.filter((c) => c.startsWith('stop'))).toHaveLength(1);
    expect(run.output).toMatchObject({
      failBackHandOver: {
        sequences: { moves: [], detail: expect.stringMatching(/AUTO_INCREMENT/) },
        reverse: { stopped: true },
        oldBlue: { writable: true },
      },
    });
    expect(branch.at(-1)).toBe('FailedBack');
    // Each group changed once, its value recorded on its instance first; old blue rebooted once.
    expect(groupCalls(world.calls)).toEqual([
      'addTags orders-db switchyard:read-only-before',
      `setParameter ${GREEN_GROUP} read_only=1`,
      'addTags orders-db-old1 switchyard:read-only-before',
      `setParameter ${BLUE_GROUP} read_only=0`,
      'rebootInstance orders-db-old1',
    ]);
    // No SQL write switch on MariaDB (the master user may not SET GLOBAL read_only).
    expect(
      world.failBackDb.filter((c) => /^(blockWrites|unblockWrites|makeWritable|makeReadOnly)/.test(c)),
    ).toEqual([]);
    expect(world.instances.get('orders-db')?.resourceId).toBe(BLUE_RESOURCE);
    expect(world.instances.get('orders-db-failed1')?.resourceId).toBe(GREEN_RESOURCE);
    // The failed primary stays read-only for inspection; its tag says what its group held before.
    expect(world.readOnlyDatabases.has(GREEN_RESOURCE)).toBe(true);
    expect(world.instances.get('orders-db-failed1')?.tags['switchyard:read-only-before']).toBe(
      `${GREEN_GROUP}:engine-default`,
    );
    expect(world.calls.filter((c) => /^delete(?!Deployment)|^createSnapshot/.test(c))).toEqual([]);
  });

  it('waits for a slow reboot in the ASL loop once the in-Task watch gives up, then renames', async () => {
    // Prepare: the reboot takes 90 s on the world's clock; the Task watches 20 s, then 60 s Waits.
    const { run, branch } = await failBack({ rebootSeconds: 90 });
    expect(run.status).toBe('SUCCEEDED');
    const wait = ['WaitForOldBlueWritable', 'CheckOldBlueWritable', 'IsOldBlueWritable'];
    expect(
      branch.slice(branch.indexOf('HandOverToOldBlue'), branch.indexOf('RenameNewPrimaryAside') + 1),
    ).toEqual(['HandOverToOldBlue', 'IsOldBlueWritable', ...wait, ...wait, 'RenameNewPrimaryAside']);
    expect(branch.at(-1)).toBe('FailedBack');
  });

  it('refuses before any change when old blue is on an RDS default parameter group, naming the fix', async () => {
    // Prepare: blue (so old blue) uses default.mariadb10.11, which RDS does not let anyone modify.
    const script = {
      source: {
        engine: 'mariadb' as const,
        engineVersion: '10.11.9',
        parameterGroups: [{ name: 'default.mariadb10.11', applyStatus: 'in-sync' }],
        endpoint: { address: 'orders-db.example', port: 3306 },
      },
      groupParameters: { 'default.mariadb10.11': { binlog_format: 'ROW', event_scheduler: 'OFF' } },
    };
    // Act
    const { world: w, branch } = await failBack(script);
    // Assess
    expect(branch.slice(0, 7)).toEqual([
      'OpenRollbackWindow',
      'CountFailBackAttempt',
      'BlockWritesOnNewPrimary',
      // Nothing changed: the window reopens for what is left of it, not the whole retention again.
      'MeasureRollbackWindow',
      'ReopenRollbackWindowAfterRefusal',
      'NotifyFailBackRefused',
      'MayFailBackAgain',
    ]);
    expect(groupCalls(w.calls)).toEqual([]);
    const refused = w.published.find((p) => /refused/i.test(p.subject));
    expect(refused?.message).toContain('default.mariadb10.11');
    expect(refused?.message).toContain('custom DB parameter group');
    expect(w.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
  });

  it('refuses before any change when the new primary shares its group with another instance', async () => {
    // Prepare: a reporting replica uses green's group too; read_only=1 there would reach it.
    const { world, branch } = await failBack({
      duringRetention: ({ instances }) => {
        const other = structuredClone(instances.get('orders-db')!);
        instances.set('reporting-db', {
          ...other,
          id: 'reporting-db',
          arn: 'arn:aws:rds:us-east-1:123456789012:db:reporting-db',
          resourceId: 'db-REPORTING',
          tags: {},
          endpoint: { address: 'reporting-db.example', port: 3306 },
        });
      },
    });
    expect(branch).toContain('NotifyFailBackRefused');
    expect(branch).not.toContain('UnblockWrites');
    expect(groupCalls(world.calls)).toEqual([]);
    expect(world.published.find((p) => /refused/i.test(p.subject))?.message).toContain(
      `${GREEN_GROUP} is also used by reporting-db`,
    );
  });

  it('puts the new primary’s group back (engine default) when old blue never catches up', async () => {
    const { world, branch } = await failBack({ reverseStatuses: [{ state: 'replicating', lag: 4096 }] });
    expect(branch).toContain('ReverseNotConverged');
    expect(branch).toContain('UnblockWrites');
    expect(groupCalls(world.calls)).toEqual([
      'addTags orders-db switchyard:read-only-before',
      `setParameter ${GREEN_GROUP} read_only=1`,
      `resetParameter ${GREEN_GROUP} read_only`,
      'removeTags orders-db switchyard:read-only-before',
    ]);
    // Production takes writes again; old blue was never touched and RDS still holds it read-only.
    expect(world.readOnlyDatabases.has(GREEN_RESOURCE)).toBe(false);
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
    expect(world.instances.get('orders-db')?.tags['switchyard:read-only-before']).toBeUndefined();
  });

  it('gives up on a reboot that never ends: writes unblocked, old blue’s group set read-only, name unchanged', async () => {
    const { world, branch } = await failBack({ rebootNeverEnds: true });
    expect(branch).toContain('OldBlueNotWritable');
    expect(branch).not.toContain('RenameNewPrimaryAside');
    expect(branch.slice(branch.indexOf('OldBlueNotWritable'), branch.indexOf('UnblockWrites') + 1)).toEqual([
      'OldBlueNotWritable',
      'HandOverBegun',
      'UnblockWrites',
    ]);
    // The stream was stopped before the reboot: no second fail-back is offered.
    expect(branch).toContain('KeepOldBlue');
    expect(groupCalls(world.calls).slice(-3)).toEqual([
      `resetParameter ${GREEN_GROUP} read_only`,
      'removeTags orders-db switchyard:read-only-before',
      // mid-reboot: old blue must come back read-only whatever its group said before
      `setParameter ${BLUE_GROUP} read_only=1`,
    ]);
    expect(world.readOnlyDatabases.has(GREEN_RESOURCE)).toBe(false);
    expect(world.instances.get('orders-db')?.resourceId).toBe(GREEN_RESOURCE);
  });
});
