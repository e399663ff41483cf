/**
 * Path tests: the real ASL file in aws-local-stepfunctions, the real handlers, a scripted fake world.
 * Each asserts the exact sequence of states and the mutating calls (what was created, deleted, kept).
 */
import { describe, expect, it } from 'vitest';
import { defaultGateRunner } from '#lib/default-gate';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const repeat = (states: string[], times: number): string[] =>
  Array.from({ length: times }, () => states).flat();

const PREFIX = [
  'Begin',
  'Preflight',
  'StartMigrations',
  'ApplyMigrations',
  'AreMigrationsApplied',
  'InstallDdlGuard',
  'HasBeforeCreateHooks',
  'CreateGreen',
];
// A first check right after CreateGreen, then an event wait (woken by RDS-EVENT-0244 or its fallback poll) before each further one.
const greenPolls = (n: number) => [
  'CheckGreen',
  'IsGreenReady',
  ...repeat(['AwaitGreenEvent', 'CheckGreen', 'IsGreenReady'], n - 1),
];
// First sample right away, then WaitForLag before each further one.
const lagSamples = (n: number) => [
  'StartLagWatch',
  'CheckLag',
  'IsLagConverged',
  ...repeat(['WaitForLag', 'CheckLag', 'IsLagConverged'], n - 1),
];
const APPROVAL = [
  'StartValidation',
  'ValidateData',
  'IsDataValid',
  'StartGreenMaintenance',
  'MaintainGreen',
  'IsGreenMaintained',
  'HasGreenReadyHooks',
  'IsApprovalRequired',
  'PrepareApproval',
  'RequestApproval',
];
const TO_SWITCH = [
  'CheckWindow',
  'IsWindowOpen',
  'RecheckLag',
  'IsLagStillLow',
  'StartFinalValidation',
  'ValidateBeforeSwitch',
  'IsDataStillValid',
  'HasBeforeSwitchHooks',
  'PrepareReverseReplication',
  'Switchover',
];
const switchPolls = (n: number) => [
  'CheckSwitchover',
  'IsSwitchoverDone',
  ...repeat(['AwaitSwitchoverEvent', 'CheckSwitchover', 'IsSwitchoverDone'], n - 1),
];
const COMPENSATED = [
  'Compensate',
  'WaitForCompensation',
  'CheckCompensation',
  'IsCompensated',
  'WaitForCompensation',
  'CheckCompensation',
  'IsCompensated',
  'ReleaseDdlGuardAfterRollback',
  'NotifyRolledBack',
  'RolledBack',
];
// A clean verification, then the reverse stream started (or read), then the bake's end checked.
const BAKE_PASS = ['Verify', 'IsVerified', 'StartReverseReplication', 'IsReverseStreamBroken', 'IsBakeOver'];
// provisioningPolls: 2 → the 4th describe is the first to see AVAILABLE (each describe answers, then advances).
const UP_TO_APPROVAL = [...PREFIX, ...greenPolls(4), ...lagSamples(3), ...APPROVAL];
const HAPPY = [
  ...UP_TO_APPROVAL,
  ...TO_SWITCH,
  ...switchPolls(2),
  'ReleaseDdlGuard',
  'HasAfterSwitchHooks',
  ...BAKE_PASS,
  'WaitDuringBake',
  ...BAKE_PASS,
  'Retain',
  'StartRollbackWindow',
  'OpenRollbackWindow',
  'EndReverseReplication',
  'Cleanup',
  'WaitForSnapshot',
  'CheckSnapshot',
  'IsSnapshotReady',
  'WaitForSnapshot',
  'CheckSnapshot',
  'IsSnapshotReady',
  'DeleteOldBlue',
  'HasAfterCleanupHooks',
  'NotifySuccess',
  'Succeeded',
];
const DEPLOYMENT = 'bgd-1abcdefghijklmno';
const DATABASE = { name: 'app', user: 'switchyard', passwordParameter: '/switchyard/test/db/password' };
const DELETE_GREEN = `deleteDeployment ${DEPLOYMENT} deleteTarget=true`;
// Compensate marks green (which copied blue's tags) so the IAM condition on DeleteTarget matches it.
const TAG_GREEN = 'addTags orders-db-green-abc123 switchyard:execution,switchyard:role';

describe('blue-green state machine paths', () => {
  it('switches, verifies, keeps old blue, snapshots it, then deletes it on the happy path', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 2 });
    // Act
    const run = await runPath(world, baseInput());
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(HAPPY);
    expect(world.calls).toEqual([
      'createDeployment sy-orders-db-0b84446f57',
      `switchover ${DEPLOYMENT} 60`,
      'addTags orders-db-old1 switchyard:execution,switchyard:retain-until,switchyard:role,switchyard:source',
      `deleteDeployment ${DEPLOYMENT} deleteTarget=false`,
      'createSnapshot sy-final-orders-db-old1-0b84446f57 of orders-db-old1',
      'deleteInstance orders-db-old1',
    ]);
    expect(world.instances.get('orders-db')?.resourceId).toBe('db-ORDERSDBGREENABC123');
    // Reverse replication (17 → 18, logical, rds.logical_replication=1 on green): prepared on green's own
    // endpoint before the switch, started after each clean verification, ended before Cleanup.
    expect(world.reverseCalls).toEqual([
      'prepare orders-db-green-abc123.example ← orders-db.example path-1',
      'start orders-db.example → orders-db-old1.example',
      'start orders-db.example → orders-db-old1.example',
      'stop orders-db.example → orders-db-old1.example',
    ]);
    expect((run.output as { reverse?: unknown } | undefined)?.reverse).toMatchObject({
      enabled: true,
      state: 'replicating',
      lag: 0,
    });
    expect(run.approvalRequests).toHaveLength(1);
    expect(world.published.map((p) => p.subject)).toEqual(['[Switchyard] orders-db: switched']);
  });

  it('compensates by deleting green when the approval is rejected', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(world, baseInput(), 'reject');
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.states).toEqual([...UP_TO_APPROVAL, ...COMPENSATED]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', TAG_GREEN, DELETE_GREEN]);
    expect(world.instances.has('orders-db-green-abc123')).toBe(false);
    expect(world.published[0]?.message).toContain('ApprovalRejected');
    expect(world.published[0]?.message).toContain('not tonight');
  });

  it('compensates when nobody decides before the approval timeout', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    // 1 s approval timeout: the callback task really times out (States.Timeout).
    const run = await runPath(
      world,
      baseInput({ approval: { approvers: ['dba@example.com'], timeoutMinutes: 1 / 60 } }),
      'ignore',
    );
    expect(run.states).toEqual([...UP_TO_APPROVAL, ...COMPENSATED]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', TAG_GREEN, DELETE_GREEN]);
    expect(world.published[0]?.message).toContain('States.Timeout');
  });

  it('compensates when green ends INVALID_CONFIGURATION', async () => {
    const world = makeWorld({ greenFails: true });
    const run = await runPath(world, baseInput());
    expect(run.states).toEqual([...PREFIX, ...greenPolls(3), 'GreenFailed', ...COMPENSATED]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', TAG_GREEN, DELETE_GREEN]);
    expect(world.published[0]?.message).toContain('INVALID_CONFIGURATION');
  });

  it('compensates when green is not ready by its deadline', async () => {
    // 3-minute deadline, 36 s polls: no event comes, so the fallback poll (15 × 36 s = 540 s) wakes the
    // second check, past the deadline. The deadline is met to within one fallback poll.
    const world = makeWorld({ provisioningPolls: Number.POSITIVE_INFINITY });
    const run = await runPath(world, baseInput({ green: { readyDeadlineMinutes: 3, pollSeconds: 36 } }));
    expect(run.states).toEqual([...PREFIX, ...greenPolls(2), 'GreenDeadlinePassed', ...COMPENSATED]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', TAG_GREEN, DELETE_GREEN]);
  });

  it('compensates when lag never converges before its deadline', async () => {
    const world = makeWorld({ provisioningPolls: 2, lag: [5_000_000] });
    const run = await runPath(
      world,
      // 2-minute deadline, a sample every 31 s: the 5th (124 s) is past it.
      baseInput({ lag: { maxBytes: 1_000_000, stableSamples: 3, pollSeconds: 31, deadlineMinutes: 2 } }),
    );
    expect(run.states).toEqual([
      ...PREFIX,
      ...greenPolls(4),
      ...lagSamples(5),
      'LagDeadlinePassed',
      ...COMPENSATED,
    ]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', TAG_GREEN, DELETE_GREEN]);
    expect(world.published[0]?.message).toContain('5000000 bytes');
  });

  it('resets the stable count when one sample is over the threshold', async () => {
    const world = makeWorld({ provisioningPolls: 2, lag: [10, 10, 5_000_000, 10, 10, 10] });
    // A 10-minute lag deadline: the fake clock moves 30 s per read, so 2 minutes would pass mid-loop.
    const run = await runPath(
      world,
      baseInput({ lag: { maxBytes: 1_000_000, stableSamples: 3, pollSeconds: 5, deadlineMinutes: 10 } }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(0, PREFIX.length + greenPolls(4).length + lagSamples(6).length)).toEqual([
      ...PREFIX,
      ...greenPolls(4),
      ...lagSamples(6),
    ]);
  });

  it('compensates the same way when RDS reports SWITCHOVER_FAILED (rolled back)', async () => {
    const world = makeWorld({ provisioningPolls: 2, switchover: 'failed' });
    const run = await runPath(world, baseInput());
    expect(run.states).toEqual([
      ...UP_TO_APPROVAL,
      ...TO_SWITCH,
      ...switchPolls(2),
      'SwitchoverFailed',
      ...COMPENSATED,
    ]);
    expect(world.calls).toEqual([
      'createDeployment sy-orders-db-0b84446f57',
      `switchover ${DEPLOYMENT} 60`,
      TAG_GREEN,
      DELETE_GREEN,
    ]);
    expect(world.instances.get('orders-db')?.resourceId).toBe('db-ORDERSDB');
  });

  it('alerts and holds, deleting nothing, when verification fails after the switch', async () => {
    const world = makeWorld({ provisioningPolls: 2, alarmsAfterSwitch: { 'orders-5xx': 'ALARM' } });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.FailedAfterSwitch');
    expect(run.states).toEqual([
      ...UP_TO_APPROVAL,
      ...TO_SWITCH,
      ...switchPolls(2),
      'ReleaseDdlGuard',
      'HasAfterSwitchHooks',
      'Verify',
      'IsVerified',
      'VerificationFailed',
      'AlertAndHold',
      'FailedAfterSwitch',
    ]);
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', `switchover ${DEPLOYMENT} 60`]);
    expect(world.instances.get('orders-db-old1')?.status).toBe('available');
    expect(world.published[0]?.message).toContain('alarm orders-5xx is in ALARM');
    expect(world.published[0]?.message).toContain('Fail-back runbook');
  });

  it('retries a transient (throttled) handler error and carries on', async () => {
    const world = makeWorld({ provisioningPolls: 2, throttle: { describeDeployment: 1 } });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries).toEqual([{ state: 'CheckGreen', attempt: 1 }]);
    expect(run.states).toEqual(HAPPY);
    expect(run.transitions).toBe(HAPPY.length + 1);
  });

  it('goes back to the window and lag checks after a switchover refused by an RDS guardrail, then switches', async () => {
    const world = makeWorld({ provisioningPolls: 2, switchoverRefusals: 2 });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('SUCCEEDED');
    const REFUSED = ['CountSwitchoverRefusal', 'IsRefusalRetryable', 'WaitAfterRefusal'];
    expect(
      run.states.slice(UP_TO_APPROVAL.length, UP_TO_APPROVAL.length + 3 * TO_SWITCH.length + 2 * 3 + 1),
    ).toEqual([...TO_SWITCH, ...REFUSED, ...TO_SWITCH, ...REFUSED, ...TO_SWITCH, 'CheckSwitchover']);
    expect(run.retries).toEqual([]);
    expect(world.calls.filter((c) => c.startsWith('switchover'))).toHaveLength(3);
    expect(run.output).toMatchObject({ switchoverRefusals: { count: 2 } });
  });

  it('rolls back after the third refusal instead of retrying blindly', async () => {
    const world = makeWorld({ provisioningPolls: 2, switchoverRefusals: 10 });
    const run = await runPath(world, baseInput());
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.states.filter((s) => s === 'Switchover')).toHaveLength(3);
    expect(run.states).toContain('SwitchoverRefusedTooOften');
    expect(world.calls).toEqual([
      'createDeployment sy-orders-db-0b84446f57',
      `switchover ${DEPLOYMENT} 60`,
      `switchover ${DEPLOYMENT} 60`,
      `switchover ${DEPLOYMENT} 60`,
      TAG_GREEN,
      DELETE_GREEN,
    ]);
    expect(world.published[0]?.message).toContain('Reason: SwitchoverRefused: ');
    expect(world.published[0]?.message).toContain('is not in available state');
  });

  it('ends in NotificationFailed when the outcome cannot be published after retries', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    let attempts = 0;
    world.gateways.notify.publish = async () => {
      attempts++;
      throw new Error('SNS is unavailable (scripted)');
    };
    const run = await runPath(world, baseInput(), 'reject');
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.NotificationFailed');
    expect(run.states.slice(-2)).toEqual(['NotifyRolledBack', 'NotificationFailed']);
    // The first attempt and three retries.
    expect(attempts).toBe(4);
    expect(run.cause).toContain('SNS is unavailable');
  });

  it('gives the Fail state a readable cause: the reason, not a stack trace', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(world, baseInput(), 'reject');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.cause).toMatch(/^rolled back before the switch; green deleted .*: ApprovalRejected: /);
    expect(run.cause).toContain('not tonight');
  });

  it('refuses a bad input at Preflight with every problem listed and nothing created', async () => {
    const world = makeWorld();
    const run = await runPath(world, {
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: 'latest' },
      lag: { maxSeconds: -1 },
      switchover: { timeoutSeconds: 7200 },
      surprise: true,
    });
    expect(run.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    expect(run.error).toBe('Switchyard.Refused');
    expect(world.calls).toEqual([]);
    const message = world.published[0]?.message ?? '';
    for (const field of [
      'target.engineVersion',
      'lag.maxSeconds',
      'switchover.timeoutSeconds',
      'surprise',
      'approval.approvers',
    ]) {
      expect(message).toContain(field);
    }
  });

  it('refuses a source that cannot go through Blue/Green, naming each problem', async () => {
    const world = makeWorld({
      source: { backupRetentionPeriod: 0, pendingModifiedValues: ['DBInstanceClass'], status: 'modifying' },
    });
    const run = await runPath(world, baseInput());
    expect(run.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    expect(world.calls).toEqual([]);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('automated backups are off');
    expect(message).toContain('pending modifications (DBInstanceClass)');
    expect(message).toContain('status is "modifying"');
  });

  it('refuses a destructive expand migration at Preflight with the real gate, nothing created', async () => {
    const world = makeWorld();
    const input = baseInput({
      migrations: { engine: 'postgres', expand: ['ALTER TABLE orders DROP COLUMN legacy_status;'] },
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    expect(world.calls).toEqual([]);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('G-DROP-COLUMN');
    expect(message).toContain('migrations.expand[0]:1');
  });

  it('carries an additive expand migration and its verdict into the approval request', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const input = baseInput({
      migrations: {
        engine: 'postgres',
        expand: ['ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);'],
      },
      database: DATABASE,
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.status).toBe('SUCCEEDED');
    const SQL = 'ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);';
    const task = run.approvalRequests[0] as {
      request: { migrations: { verdict: string; statements: unknown[] } };
      document: unknown;
    };
    expect(['pass', 'warn']).toContain(task.request.migrations.verdict);
    // The request refers to the statement; the input document beside it holds the text.
    expect(task.request.migrations.statements).toEqual([
      {
        location: 'migrations.expand[0]',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        bytes: SQL.length,
      },
    ]);
    expect(task.document).toMatchObject({ migrations: { expand: [SQL] } });
    // The state (the audit report) carries the SQL text exactly once: in the input.
    expect(JSON.stringify(run.output).split(SQL).length - 1).toBe(1);
    // Findings locate their statement in the input instead of copying its text.
    const findings = (
      run.output as { preflight: { migrations: { findings: Array<Record<string, unknown>> } } }
    ).preflight.migrations.findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(finding).not.toHaveProperty('statement');
      expect(finding.file).toBe('migrations.expand[0]');
    }
  });

  it('refuses contract migrations while a previous old blue is still retained', async () => {
    const world = makeWorld();
    world.instances.set('orders-db-old1', {
      ...world.instances.get('orders-db')!,
      id: 'orders-db-old1',
      tags: { 'switchyard:retain-until': '2099-01-01T00:00:00.000Z', 'switchyard:source': 'orders-db' },
    });
    const input = baseInput({
      migrations: { engine: 'postgres', contract: ['ALTER TABLE orders DROP COLUMN legacy_status;'] },
      database: DATABASE,
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    expect(world.published[0]?.message).toContain('2099-01-01T00:00:00.000Z');
  });

  it('lists an invalid field and a destructive migration together in one refusal', async () => {
    const world = makeWorld();
    const input = baseInput({
      maintenanceWindow: 'sunday',
      migrations: { engine: 'postgres', expand: ['ALTER TABLE orders DROP COLUMN legacy_status;'] },
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('maintenanceWindow: unknown field');
    expect(message).toContain('G-DROP-COLUMN');
    expect(world.calls).toEqual([]);
  });
});
