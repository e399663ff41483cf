/**
 * The backstop in the fake world: runs that end where no Catch can act (StopExecution, a States.Runtime
 * error) emit the status-change event, and the real reconcile handler cleans up or pages.
 */
import { describe, expect, it } from 'vitest';
import { type LocalExecution, runBackstop } from '../../local/backstop.ts';
import type { RunResult } from '../../local/run-state-machine.ts';
import { makeWorld, type World } from '../support/fake-world.ts';
import { baseInput, PATH_EXECUTION_ARN, type PathOptions, runPath } from '../support/run-path.ts';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:switchyard-blue-green-test';
const DEPLOYMENT = 'bgd-1abcdefghijklmno';
const GREEN = 'orders-db-green-abc123';
const LAG_LOOP = ['WaitForLag', 'CheckLag', 'IsLagConverged'];

const localExecution = (input: unknown, result: RunResult): LocalExecution => ({
  executionArn: PATH_EXECUTION_ARN,
  stateMachineArn: STATE_MACHINE,
  input,
  startedAt: Date.parse('2026-11-22T01:00:00Z'),
  result,
});

const runThenBackstop = async (
  world: World,
  faults: PathOptions,
  approval: 'approve' | 'reject' = 'approve',
) => {
  const input = baseInput();
  const run = await runPath(world, input, approval, undefined, faults);
  const backstop = await runBackstop(localExecution(input, run), world.gateways);
  return { run, backstop };
};

describe('the backstop after runs no Catch could handle', () => {
  it('deletes green and tells the owners when a person stops the run during the lag loop', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 2 });
    // Act
    const { run, backstop } = await runThenBackstop(world, {
      abortWhen: (e) => e.type === 'StateEntered' && e.state === 'WaitForLag',
    });
    // Assess
    expect(run.status).toBe('ABORTED');
    // The abort lands while the lag loop runs (the 0 ms Wait may already have handed over to CheckLag).
    expect(run.states).toContain('WaitForLag');
    expect(LAG_LOOP).toContain(run.states.at(-1));
    expect(run.states).not.toContain('Compensate');
    expect(backstop.event?.detail).toMatchObject({ status: 'ABORTED', executionArn: PATH_EXECUTION_ARN });
    expect(backstop.error).toBeNull();
    expect(backstop.outcome).toMatchObject({ action: 'compensate' });
    // The Compensate path: green tagged role=green (what the IAM condition allows to delete), then DeleteTarget.
    expect(world.calls).toEqual([
      'createDeployment sy-orders-db-0b84446f57',
      'addTags orders-db-green-abc123 switchyard:execution,switchyard:role',
      `deleteDeployment ${DEPLOYMENT} deleteTarget=true`,
    ]);
    expect(world.deployments.size).toBe(0);
    expect(world.instances.has(GREEN)).toBe(false);
    expect(world.published).toHaveLength(1);
    expect(world.published[0]?.subject).toBe('[Switchyard] orders-db: backstop compensate');
    expect(world.published[0]?.message).toMatch(
      /Ended: ABORTED in state (WaitForLag|CheckLag|IsLagConverged)\n/,
    );
    expect(world.published[0]?.message).toContain('deletion confirmed under way');
  });

  it('deletes green when a missing path ends the run with States.Runtime, which no Catch takes', async () => {
    // Prepare: CheckLag's result loses `checkedAt`, which its ResultSelector reads.
    const world = makeWorld({ provisioningPolls: 2 });
    const dropCheckedAt: PathOptions['tamper'] = (key, result) => {
      if (key !== 'checkLag') return result;
      const { checkedAt: _gone, ...rest } = result as Record<string, unknown>;
      return rest;
    };
    // Act
    const { run, backstop } = await runThenBackstop(world, { tamper: dropCheckedAt });
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.states.at(-1)).toBe('CheckLag');
    expect(run.states).not.toContain('Compensate');
    expect(backstop.outcome).toMatchObject({ action: 'compensate' });
    expect(world.calls).toContain(`deleteDeployment ${DEPLOYMENT} deleteTarget=true`);
    expect(world.instances.has(GREEN)).toBe(false);
    expect(world.published[0]?.message).toContain('Ended: FAILED with States.Runtime in state CheckLag');
    expect(world.published[0]?.message).toContain("Path expression '$.Payload.checkedAt'");
  });

  it('holds and pages, deleting nothing, when the run is stopped after the switch', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const { run, backstop } = await runThenBackstop(world, {
      abortWhen: (e) => e.type === 'StateEntered' && e.state === 'WaitDuringBake',
    });
    expect(run.status).toBe('ABORTED');
    expect(backstop.outcome).toMatchObject({ action: 'hold' });
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57', `switchover ${DEPLOYMENT} 60`]);
    expect(world.instances.get('orders-db-old1')?.status).toBe('available');
    expect(world.published[0]?.subject).toBe('[Switchyard] orders-db: backstop hold');
    expect(world.published[0]?.message).toContain('Fail-back runbook');
  });

  it('stays quiet after a run the pipeline compensated and reported itself', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const { run, backstop } = await runThenBackstop(world, {}, 'reject');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(backstop.outcome).toMatchObject({ action: 'nothing-left', messageId: null });
    // The pipeline's own notification only: nothing more published, nothing more deleted.
    expect(world.published.map((p) => p.subject)).toEqual(['[Switchyard] orders-db: rolled-back']);
    expect(world.calls.filter((c) => c.startsWith('deleteDeployment'))).toHaveLength(1);
  });

  it('does nothing for a run that succeeded (the rule does not match)', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const { run, backstop } = await runThenBackstop(world, {});
    expect(run.status).toBe('SUCCEEDED');
    expect(backstop.event).toBeNull();
    expect(world.published).toHaveLength(1);
  });

  it('pages and fails (so its alarm fires) when RDS refuses the deletion', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const input = baseInput();
    const run = await runPath(world, input, 'approve', undefined, {
      abortWhen: (e) => e.type === 'StateEntered' && e.state === 'WaitForLag',
    });
    world.gateways.rds.deleteDeployment = async () => {
      const err = new Error('deployment is busy');
      err.name = 'InvalidBlueGreenDeploymentStateFault';
      throw err;
    };
    const backstop = await runBackstop(localExecution(input, run), world.gateways);
    expect(backstop.error?.name).toBe('CompensationBlockedError');
    expect(world.published[0]?.subject).toBe('[Switchyard] orders-db: backstop failed');
    expect(world.published[0]?.message).toContain('CompensationBlockedError: RDS refused to delete');
    expect(world.deployments.size).toBe(1);
  });
});

describe('the backstop after a notification that could not be sent', () => {
  it('pages about a rolled-back run whose notification failed (NotificationFailed)', async () => {
    // Prepare: SNS fails during the run, works again when the backstop runs.
    const world = makeWorld({ provisioningPolls: 2 });
    const publish = world.gateways.notify.publish;
    world.gateways.notify.publish = async () => {
      throw new Error('SNS is unavailable (scripted)');
    };
    const input = baseInput();
    const run = await runPath(world, input, 'reject');
    world.gateways.notify.publish = publish;
    // Act
    const backstop = await runBackstop(localExecution(input, run), world.gateways);
    // Assess
    expect(run.error).toBe('Switchyard.NotificationFailed');
    expect(backstop.outcome).toMatchObject({ action: 'nothing-left' });
    expect(world.published).toHaveLength(1);
    expect(world.published[0]?.message).toContain('Ended: FAILED with Switchyard.NotificationFailed');
    expect(world.published[0]?.message).toContain('Cause: SNS is unavailable (scripted)');
    expect(world.published[0]?.message).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('the sweep', () => {
  it('reconciles every tagged deployment whose execution ended, and leaves running ones alone', async () => {
    // Prepare: one run aborted in the lag loop (green left), one still running (its deployment tagged too).
    const world = makeWorld({ provisioningPolls: 2 });
    const input = baseInput();
    const run = await runPath(world, input, 'approve', undefined, {
      abortWhen: (e) => e.type === 'StateEntered' && e.state === 'WaitForLag',
    });
    const runningArn = `${PATH_EXECUTION_ARN.slice(0, PATH_EXECUTION_ARN.lastIndexOf(':'))}:still-running`;
    await world.gateways.rds.createDeployment({
      name: 'sy-orders-db-running',
      sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
      tags: { 'switchyard:execution': runningArn },
    });
    const foreignArn = 'arn:aws:states:us-east-1:123456789012:execution:another-machine:x';
    await world.gateways.rds.createDeployment({
      name: 'sy-orders-db-foreign',
      sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
      tags: { 'switchyard:execution': foreignArn },
    });
    const { makeReconcileHandler } = await import('../../functions/reconcile.ts');
    const { localSfnReader } = await import('../../local/backstop.ts');
    const handler = makeReconcileHandler({
      ...world.gateways,
      sfn: localSfnReader([
        localExecution(input, run),
        { executionArn: runningArn, stateMachineArn: STATE_MACHINE, input, startedAt: Date.now() },
      ]),
      stateMachineArn: STATE_MACHINE,
    });
    // Act
    const out = await handler({ sweep: true } as never, {} as never);
    // Assess
    expect(out).toEqual({
      swept: [{ executionArn: PATH_EXECUTION_ARN, action: 'compensate' }],
      running: [runningArn],
    });
    expect(world.calls.filter((c) => c.startsWith('deleteDeployment'))).toEqual([
      `deleteDeployment ${DEPLOYMENT} deleteTarget=true`,
    ]);
    expect([...world.deployments.values()].map((d) => d.name).sort()).toEqual([
      'sy-orders-db-foreign',
      'sy-orders-db-running',
    ]);
    expect(world.published.map((p) => p.subject)).toEqual(['[Switchyard] orders-db: backstop compensate']);
  });
});

describe('switchyard status', () => {
  it('prints the report of a failed run from its history (a failed run has no output in AWS)', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 2 });
    const input = baseInput();
    const run = await runPath(world, input, 'reject');
    const { statusView } = await import('../../bin/commands/status.ts');
    const { localSfnReader } = await import('../../local/backstop.ts');
    // Act
    const view = await statusView(localSfnReader([localExecution(input, run)]), PATH_EXECUTION_ARN);
    // Assess
    expect(view.exitCode).toBe(1);
    expect(view.text).toContain('path-1: FAILED');
    expect(view.text).toContain('error: Switchyard.RolledBack');
    expect(view.text).toMatch(
      /cause: rolled back before the switch; green deleted .*: ApprovalRejected: .*not tonight/,
    );
    expect(view.text).toContain('last state: RolledBack');
    expect(view.text).toContain('report (from the execution history, as of RolledBack):');
    const report = JSON.parse(view.text.slice(view.text.indexOf('\n{') + 1)) as Record<string, unknown>;
    expect(report).toMatchObject({ compensationCheck: { done: true }, notified: { outcome: 'rolled-back' } });
    expect(report.preflight).toBeDefined();
  });

  it('says so for an execution Step Functions does not know', async () => {
    const { statusView } = await import('../../bin/commands/status.ts');
    const { localSfnReader } = await import('../../local/backstop.ts');
    const view = await statusView(localSfnReader([]), PATH_EXECUTION_ARN);
    expect(view).toEqual({ exitCode: 2, text: expect.stringContaining('its history has expired') });
  });
});
