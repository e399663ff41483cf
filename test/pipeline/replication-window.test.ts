/**
 * Path tests of the replication-window guard (issue 14 item 2): the real ASL and handlers over the fake
 * world. DDL on blue or a degraded green leaves the lag loop at the check that sees it and compensates,
 * naming the cause and the fix; a clean window changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const DATABASE = { name: 'app', user: 'switchyard', passwordParameter: '/switchyard/test/db/password' };
const DELETE_GREEN = 'deleteDeployment bgd-1abcdefghijklmno deleteTarget=true';
const lagChecks = (states: string[]) => states.filter((s) => s === 'CheckLag').length;
const ROLLED_BACK_TAIL = ['ReleaseDdlGuardAfterRollback', 'NotifyRolledBack', 'RolledBack'];

describe('the replication-window guard in the lag loop', () => {
  it('leaves the lag loop at the second check when DDL appears on blue, and deletes green naming the object', async () => {
    // Prepare: the DDL becomes visible at the guard's second observe (the second lag check); lag looks perfect.
    const world = makeWorld({ provisioningPolls: 1, lag: [0], database: { ddlSeen: 1, ddlFromObserve: 2 } });
    // Act
    const run = await runPath(
      world,
      baseInput({ database: DATABASE, lag: { maxBytes: 1_000_000, stableSamples: 3 } }),
    );
    // Assess
    expect(run.status).toBe('FAILED');
    expect(lagChecks(run.states)).toBe(2);
    const broken = run.states.indexOf('ReplicationWindowBroken');
    expect(run.states.slice(broken - 3, broken + 2)).toEqual([
      'CheckLag',
      'IsLagConverged',
      'CanRecreateGreen', // green.recreateOnDegraded is off: no recreation allowed
      'ReplicationWindowBroken',
      'Compensate',
    ]);
    expect(run.states).not.toContain('PrepareApproval');
    expect(run.states.slice(-3)).toEqual(ROLLED_BACK_TAIL);
    expect(world.calls).toContain(DELETE_GREEN);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('ReplicationWindowBroken');
    expect(message).toContain('public.t');
    expect(message).toContain('apply the DDL through the pipeline as a migration');
  });

  it('leaves the lag loop when green stops being available (replication degraded), naming its status', async () => {
    const world = makeWorld({
      provisioningPolls: 1,
      lag: [0],
      greenDegrades: { status: 'incompatible-parameters', atLagRead: 1 },
    });
    const run = await runPath(world, baseInput());
    expect(lagChecks(run.states)).toBe(1);
    expect(run.states).toContain('ReplicationWindowBroken');
    expect(run.states.slice(-3)).toEqual(ROLLED_BACK_TAIL);
    expect(world.calls).toContain(DELETE_GREEN);
    expect(world.published[0]?.message).toContain('green instance is incompatible-parameters');
  });

  it('refuses the switch at RecheckLag when DDL lands on blue after the approval', async () => {
    // Observes: 3 lag checks, then PrepareApproval (4th); the 5th is RecheckLag.
    const world = makeWorld({ provisioningPolls: 1, lag: [0], database: { ddlSeen: 1, ddlFromObserve: 5 } });
    const run = await runPath(
      world,
      baseInput({ database: DATABASE, lag: { maxBytes: 1_000_000, stableSamples: 3 } }),
    );
    expect(run.states).toContain('RecheckWindowBroken');
    expect(run.states).not.toContain('Switchover');
    expect(run.states.slice(-3)).toEqual(ROLLED_BACK_TAIL);
    expect(world.published[0]?.message).toContain('public.t');
  });

  it('changes nothing when the window stays clean', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0] });
    const run = await runPath(world, baseInput({ database: DATABASE }));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).not.toContain('ReplicationWindowBroken');
    // Sessions still on old blue are counted for the bake (the fake answers 12 everywhere).
    expect((run.output as { verify: { oldBlueSessions: number | null } }).verify.oldBlueSessions).toBe(12);
  });
});

describe('sequences on the new primary after the switch', () => {
  it('fails verification naming a sequence behind its column, and holds old blue', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0], sequenceBehind: true });
    const run = await runPath(world, baseInput({ database: DATABASE }));
    expect(run.error).toBe('Switchyard.FailedAfterSwitch');
    expect(run.states.slice(-5)).toEqual([
      'Verify',
      'IsVerified',
      'VerificationFailed',
      'AlertAndHold',
      'FailedAfterSwitch',
    ]);
    expect(world.instances.get('orders-db-old1')?.status).toBe('available');
    const message = world.published[0]?.message ?? '';
    expect(message).toContain(
      'sequence public.orders_id_seq is behind public.orders.id: next value 2 ≤ max 100',
    );
    expect(message).toContain("SELECT setval('public.orders_id_seq', (SELECT max(id) FROM public.orders))");
  });

  it('verifies when every sequence is ahead of its column', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0] });
    const run = await runPath(world, baseInput({ database: DATABASE }));
    expect(run.status).toBe('SUCCEEDED');
  });
});

describe('clients and the switchover estimate at approval', () => {
  it('shows clients on blue and the estimate with a recommended SwitchoverTimeout on the approval request', async () => {
    const world = makeWorld({ provisioningPolls: 1, lag: [0], longestTransactionSeconds: 120 });
    const run = await runPath(world, baseInput({ database: DATABASE }));
    expect(run.status).toBe('SUCCEEDED');
    const asked = run.approvalRequests[0] as {
      request: { clients: unknown; switchoverEstimate: Record<string, unknown> };
    };
    expect(asked.request.clients).toEqual({
      connections: 12,
      longestTransactionSeconds: 120,
      rdsTools: false,
    });
    expect(asked.request.switchoverEstimate).toMatchObject({
      lowerSeconds: 11,
      expectedSeconds: 31,
      upperSeconds: 151,
      recommendedTimeoutSeconds: 300,
      configuredTimeoutSeconds: 60,
    });
  });

  it('refuses a configured SwitchoverTimeout below the estimate lower bound, deleting green, naming the fix', async () => {
    // 10,000 sequences on the logical path: lower bound 10 + 100 s > the configured 60 s.
    const world = makeWorld({ provisioningPolls: 1, lag: [0], sequenceCount: 10_000 });
    const run = await runPath(world, baseInput({ database: DATABASE }));
    expect(run.states).not.toContain('RequestApproval');
    expect(run.states.slice(-3)).toEqual(ROLLED_BACK_TAIL);
    expect(world.calls).toContain(DELETE_GREEN);
    expect(world.published[0]?.message).toContain(
      'switchover.timeoutSeconds 60 is below the estimated minimum switchover time of 110 s',
    );
    expect(world.published[0]?.message).toContain('set it to at least 110, recommended 300');
  });
});
