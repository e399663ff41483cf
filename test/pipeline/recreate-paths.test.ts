/**
 * Path tests of green.recreateOnDegraded (issue 14 item 2): the real ASL and handlers over the fake world.
 * RDS reports "Replication degraded" (or DDL appears on blue) during the lag loop; with the option the run
 * deletes green the proven way, waits for it to be gone, re-arms the DDL guard and builds a new green, up
 * to green.maxRecreates times; over the bound, or without the option, it rolls back naming cause and fix.
 */
import { describe, expect, it } from 'vitest';
import { ExecutionInput } from '#domain/input';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const DATABASE = { name: 'app', user: 'switchyard', passwordParameter: '/switchyard/test/db/password' };
const DELETE_GREEN = 'deleteDeployment bgd-1abcdefghijklmno deleteTarget=true';
const REBUILD = [
  'CanRecreateGreen',
  'RecreateGreen',
  'WaitForOldGreenDeletion',
  'CheckOldGreenDeleted',
  'IsOldGreenDeleted',
];
const REARM = ['IsOldGreenDeleted', 'ReinstallDdlGuard', 'RenewGreenDeadline', 'CreateGreen'];
const count = (states: string[], name: string) => states.filter((s) => s === name).length;

interface Output {
  recreates: { count: number; causes: Array<{ verdict: string; reason: string; deploymentId: string }> };
}

describe('green.recreateOnDegraded', () => {
  it('rebuilds a degraded green once and the run switches to the new one', async () => {
    // Prepare: the first green degrades at the second lag read; the rebuilt one stays healthy.
    const world = makeWorld({
      provisioningPolls: 1,
      lag: [0],
      replicationDegraded: { atLagRead: 2, greens: 1 },
    });
    // Act
    const run = await runPath(world, baseInput({ green: { recreateOnDegraded: true } }));
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const at = run.states.indexOf('CanRecreateGreen');
    expect(run.states.slice(at - 2, at + REBUILD.length)).toEqual(['CheckLag', 'IsLagConverged', ...REBUILD]);
    // RDS deletes asynchronously: the fake needs a second look before the old deployment is gone.
    const rearm = run.states.indexOf('ReinstallDdlGuard');
    expect(run.states.slice(rearm - 1, rearm + 3)).toEqual(REARM);
    expect(run.states).not.toContain('ReplicationWindowBroken');
    expect(world.calls).toContain(DELETE_GREEN);
    expect(world.calls.filter((c) => c.startsWith('createDeployment'))).toHaveLength(2);
    // The old deployment was gone before the new one was created under the same name.
    expect(world.calls.indexOf(DELETE_GREEN)).toBeLessThan(
      world.calls.lastIndexOf(world.calls.find((c) => c.startsWith('createDeployment'))!),
    );
    const out = run.output as Output;
    expect(out.recreates.count).toBe(1);
    expect(out.recreates.causes[0]).toMatchObject({
      verdict: 'replication-degraded',
      deploymentId: 'bgd-1abcdefghijklmno',
    });
    expect(out.recreates.causes[0]?.reason).toMatch(
      /RDS reports replication degraded .*deployment: Replication degraded; green read replication error/,
    );
    const message = world.published.at(-1)?.message ?? '';
    expect(message).toContain('Green recreated 1 time(s) (green.recreateOnDegraded)');
    expect(message).toContain('replication-degraded (deleted bgd-1abcdefghijklmno)');
  });

  it('stops at green.maxRecreates and rolls back naming the cause and the fix', async () => {
    // Prepare: every green degrades.
    const world = makeWorld({
      provisioningPolls: 1,
      lag: [0],
      replicationDegraded: { atLagRead: 1, greens: 9 },
    });
    // Act
    const run = await runPath(
      world,
      baseInput({ green: { recreateOnDegraded: true, maxRecreates: 2, pollSeconds: 300 } }),
    );
    // Assess
    expect(run.status).toBe('FAILED');
    expect(count(run.states, 'RecreateGreen')).toBe(2);
    expect(count(run.states, 'CreateGreen')).toBe(3);
    expect(count(run.states, 'CanRecreateGreen')).toBe(3);
    const broken = run.states.indexOf('ReplicationWindowBroken');
    expect(run.states.slice(broken - 1, broken + 2)).toEqual([
      'CanRecreateGreen',
      'ReplicationWindowBroken',
      'Compensate',
    ]);
    expect(run.states.at(-1)).toBe('RolledBack');
    expect((run.output as Output | undefined)?.recreates?.count ?? 2).toBe(2);
    const message = world.published.at(-1)?.message ?? '';
    expect(message).toContain('Green recreated 2 time(s)');
    expect(message).toContain(
      'Reason: ReplicationWindowBroken: replication-degraded: RDS reports replication degraded',
    );
    expect(message).toContain('only a new green recovers');
    expect(world.calls.filter((c) => c.startsWith('deleteDeployment'))).toHaveLength(3);
  });

  it('without the option, a degraded deployment rolls back at the check that sees it', async () => {
    const world = makeWorld({
      provisioningPolls: 1,
      lag: [0],
      replicationDegraded: { atLagRead: 1, greens: 1 },
    });
    const run = await runPath(world, baseInput());
    expect(count(run.states, 'CheckLag')).toBe(1);
    expect(run.states).not.toContain('RecreateGreen');
    expect(run.states).toContain('ReplicationWindowBroken');
    expect(run.states.at(-1)).toBe('RolledBack');
    expect(world.published.at(-1)?.message).toContain(
      'Replication degraded: DDL was run on the blue environment (scripted)',
    );
  });

  it('DDL on blue seen by the guard: green is rebuilt, the guard re-armed, and the run switches', async () => {
    const world = makeWorld({
      provisioningPolls: 1,
      lag: [0],
      database: { ddlSeen: 1, ddlFromObserve: 2, ddlClearedByReinstall: true },
    });
    const run = await runPath(
      world,
      baseInput({
        database: DATABASE,
        green: { recreateOnDegraded: true },
        lag: { maxBytes: 1_000_000, stableSamples: 3 },
      }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(count(run.states, 'RecreateGreen')).toBe(1);
    expect(world.dbCalls.filter((c) => c.startsWith('install-guard'))).toHaveLength(2);
    expect((run.output as Output).recreates.causes[0]).toMatchObject({ verdict: 'ddl-on-blue' });
    expect((run.output as Output).recreates.causes[0]?.reason).toContain('public.t');
  });
});

describe('green.recreateOnDegraded input', () => {
  const parse = (green: Record<string, unknown>) => ExecutionInput.safeParse({ ...baseInput(), green });
  it('accepts the option with the default bound of 1 and a bound up to 3', () => {
    expect(parse({ recreateOnDegraded: true }).success).toBe(true);
    expect(parse({ recreateOnDegraded: true, maxRecreates: 3, pollSeconds: 300 }).success).toBe(true);
  });
  it.each([
    [{ maxRecreates: 2 }, 'green.maxRecreates', 'has no effect without green.recreateOnDegraded'],
    [{ recreateOnDegraded: true, maxRecreates: 4 }, 'green.maxRecreates', ''],
    [{ recreateOnDegraded: true, maxRecreates: 3 }, 'green.pollSeconds', 'history events'],
  ])('refuses %j naming %s', (green, path, words) => {
    const r = parse(green);
    expect(r.success).toBe(false);
    const issue = r.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue?.message).toContain(words);
  });
});
