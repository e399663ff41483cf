/**
 * Hooks in the real ASL (issue 13): every point, both onFailure modes, retries, a timeout, an abort after the
 * switch that holds and never compensates, and a hook the deployment did not declare. The hook targets are
 * fakes behind the local runner's HookRunner (what Lambda, CodeBuild, ECS and the HTTP task would answer).
 */
import { describe, expect, it } from 'vitest';
import type { DeclaredHooks, HookRecord } from '#domain/hooks';
import type { HookRunner } from '../../local/run-state-machine.ts';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const DEPLOYMENT = 'bgd-1abcdefghijklmno';
const DELETE_GREEN = `deleteDeployment ${DEPLOYMENT} deleteTarget=true`;
const CONNECTION = 'arn:aws:events:us-east-1:123456789012:connection/ci/0b1c2d3e';
const DECLARED: DeclaredHooks = {
  lambdaFunctions: ['green-tests', 'notify-ci', 'stop-cdc', 'start-consumers', 'post-clean'],
  codebuildProjects: ['orders-regression'],
  ecsTasks: [{ cluster: 'ci', taskDefinition: 'orders-tests' }],
  httpEndpoints: [{ connectionArn: CONNECTION, urlPrefix: 'https://ci.example.com/' }],
};

type Call = { resource: string; parameters: Record<string, unknown>; timeoutSeconds?: number };

/** A fake of the hook targets: each function/project/task answers by the script, every call recorded. */
const targets = (script: Record<string, 'pass' | 'fail' | 'hang' | { failTimes: number }> = {}) => {
  const calls: Call[] = [];
  const failures = new Map<string, number>();
  const runHook: HookRunner = async (resource, parameters, timeoutSeconds) => {
    calls.push({ resource, parameters, timeoutSeconds });
    const target = String(
      parameters.FunctionName ??
        parameters.ProjectName ??
        parameters.TaskDefinition ??
        parameters.ApiEndpoint,
    );
    const how = script[target] ?? 'pass';
    if (how === 'hang') await new Promise((resolve) => setTimeout(resolve, 5_000));
    const seen = (failures.get(target) ?? 0) + 1;
    failures.set(target, seen);
    if (how === 'fail' || (typeof how === 'object' && seen <= how.failTimes)) {
      const error = new Error(`2 of 14 checks failed on ${target}`);
      error.name = 'AssertionError';
      throw error;
    }
    if (resource.startsWith('arn:aws:states:::lambda:invoke'))
      return { Payload: { ok: true, checks: 14 }, StatusCode: 200 };
    if (resource.startsWith('arn:aws:states:::codebuild'))
      return { Build: { Id: 'orders-regression:1', BuildStatus: 'SUCCEEDED' } };
    if (resource.startsWith('arn:aws:states:::ecs'))
      return {
        Containers: [{ Name: 'tests', ExitCode: 0 }],
        StoppedReason: 'Essential container in task exited',
      };
    return { StatusCode: 200, ResponseBody: { accepted: true } };
  };
  return { calls, runHook };
};

const lambdaHook = (name: string, fn: string, extra: Record<string, unknown> = {}) => ({
  name,
  lambda: { functionName: fn },
  ...extra,
});

const records = (output: unknown): Record<string, HookRecord[]> =>
  (output as { hookResults: Record<string, HookRecord[]> }).hookResults;

describe('hooks in the state machine', () => {
  it('runs a hook at each of the five points with the facts of that point, and records each', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets();
    const input = baseInput({
      release: 'v42',
      hooks: {
        beforeCreate: lambdaHook('stop-cdc', 'stop-cdc'),
        greenReady: [
          lambdaHook('suite', 'green-tests'),
          { name: 'regression', codebuild: { projectName: 'orders-regression' }, timeoutSeconds: 1200 },
          {
            name: 'ecs-suite',
            ecs: {
              cluster: 'ci',
              taskDefinition: 'orders-tests:3',
              subnets: ['subnet-0abc1234'],
              securityGroups: ['sg-0abc1234'],
              containerName: 'tests',
            },
          },
        ],
        beforeSwitch: {
          name: 'tell-ci',
          http: { url: 'https://ci.example.com/hooks', method: 'POST', connectionArn: CONNECTION },
        },
        afterSwitch: lambdaHook('consumers', 'start-consumers'),
        afterCleanup: lambdaHook('tidy', 'post-clean'),
      },
    });
    // Act
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    // Assess
    expect(run.cause).toBeNull();
    expect(run.status).toBe('SUCCEEDED');
    const byPoint = records(run.output);
    expect(Object.keys(byPoint).sort()).toEqual([
      'afterCleanup',
      'afterSwitch',
      'beforeCreate',
      'beforeSwitch',
      'greenReady',
    ]);
    expect(byPoint.greenReady!.map((r) => [r.name, r.kind, r.outcome, r.attempts])).toEqual([
      ['suite', 'lambda', 'passed', 1],
      ['regression', 'codebuild', 'passed', 1],
      ['ecs-suite', 'ecs', 'passed', 1],
    ]);
    expect(fake.calls.map((c) => c.resource)).toEqual([
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::codebuild:startBuild.sync',
      'arn:aws:states:::ecs:runTask.sync',
      'arn:aws:states:::http:invoke',
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::lambda:invoke',
    ]);
    // Facts per point: green does not exist before create; after the switch the source name is green.
    type Endpoint = { instanceId: string; host: string | null } | null;
    const payload = (i: number) =>
      fake.calls[i]!.parameters.Payload as { point: string; green: Endpoint; blue: Endpoint };
    expect(payload(0)).toMatchObject({ point: 'beforeCreate', release: 'v42', green: null });
    expect(payload(0).blue?.instanceId).toBe('orders-db');
    expect(payload(1).green?.instanceId).toBe('orders-db-green-abc123');
    expect(payload(1).green?.host).toEqual(expect.any(String));
    expect(payload(5)).toMatchObject({ point: 'afterSwitch' });
    expect(payload(5).green?.instanceId).toBe('orders-db');
    expect(payload(5).blue?.instanceId).toBe('orders-db-old1');
    expect(payload(6).blue).toBeNull();
    // CodeBuild and ECS get the same facts as environment variables; HTTP gets them as the body.
    const env = fake.calls[2]!.parameters.EnvironmentVariablesOverride as Array<{
      Name: string;
      Value: string;
    }>;
    expect(env).toContainEqual({ Name: 'SWITCHYARD_GREEN_INSTANCE', Value: 'orders-db-green-abc123' });
    expect(env).toContainEqual({ Name: 'SWITCHYARD_HOOK_POINT', Value: 'greenReady' });
    const ecs = fake.calls[3]!.parameters as {
      Overrides: { ContainerOverrides: Array<{ Name: string; Environment: unknown[] }> };
    };
    expect(ecs.Overrides.ContainerOverrides[0]?.Name).toBe('tests');
    expect(ecs.Overrides.ContainerOverrides[0]?.Environment).toContainEqual({
      Name: 'SWITCHYARD_RELEASE',
      Value: 'v42',
    });
    expect(fake.calls[4]!.parameters).toMatchObject({
      ApiEndpoint: 'https://ci.example.com/hooks',
      Method: 'POST',
      Authentication: { ConnectionArn: CONNECTION },
      RequestBody: { point: 'beforeSwitch' },
    });
    // Each hook's timeout reaches its Task (TimeoutSecondsPath).
    expect(fake.calls[2]!.timeoutSeconds).toBe(1200);
    // Approvers see the hooks run before they decide (beforeCreate and greenReady), with durations.
    const request = (run.approvalRequests[0] as { request: { hooks?: { summary: string; lines: string[] } } })
      .request;
    expect(request.hooks?.summary).toBe('4 of 4 passed');
    expect(request.hooks?.lines[1]).toMatch(
      /^greenReady\[0\] suite \(lambda green-tests\): passed in \d+\.\d s, 1 attempt\(s\)/,
    );
    // The success notification lists every hook.
    const success = world.published.at(-1)!.message;
    expect(success).toContain('Hooks:');
    expect(success).toContain('greenReady[1] regression (codebuild orders-regression): passed');
    expect(success).toContain('afterCleanup[0] tidy (lambda post-clean): passed');
  });

  it('rolls back naming the hook when a greenReady hook fails with onFailure abort', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'green-tests': 'fail' });
    const input = baseInput({ hooks: { greenReady: lambdaHook('suite', 'green-tests') } });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.cause).toContain('HookAborted');
    expect(run.cause).toContain('greenReady[0] suite (lambda green-tests) failed after 1 attempt(s)');
    expect(run.cause).toContain('2 of 14 checks failed');
    expect(world.calls).toContain(DELETE_GREEN);
    expect(world.calls.some((c) => c.startsWith('switchover'))).toBe(false);
    // Nobody was asked to approve a green that failed its tests.
    expect(run.approvalRequests).toHaveLength(0);
  });

  it('goes on and records the failure when the hook says onFailure warn', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'green-tests': 'fail' });
    const input = baseInput({
      hooks: { greenReady: lambdaHook('suite', 'green-tests', { onFailure: 'warn' }) },
    });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.status).toBe('SUCCEEDED');
    const [record] = records(run.output).greenReady!;
    expect(record).toMatchObject({ outcome: 'failed', onFailure: 'warn', next: 'continue', attempts: 1 });
    expect(record!.summary).toContain('2 of 14 checks failed');
    expect(world.published.at(-1)!.message).toContain('failed (warn: the run went on)');
  });

  it('retries a failed hook up to its retries and passes when an attempt passes', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'green-tests': { failTimes: 2 } });
    const input = baseInput({ hooks: { greenReady: lambdaHook('suite', 'green-tests', { retries: 2 }) } });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(records(run.output).greenReady![0]).toMatchObject({ outcome: 'passed', attempts: 3 });
    expect(fake.calls).toHaveLength(3);
  });

  it('times a hook out at its timeoutSeconds, retries it once, then rolls back', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'green-tests': 'hang' });
    const input = baseInput({
      hooks: { greenReady: lambdaHook('suite', 'green-tests', { timeoutSeconds: 1, retries: 1 }) },
    });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.cause).toContain('greenReady[0] suite (lambda green-tests) timed-out after 2 attempt(s)');
    expect(run.cause).toContain('States.Timeout');
    expect(fake.calls).toHaveLength(2);
    expect(world.calls).toContain(DELETE_GREEN);
  }, 20_000);

  it('stops before creating green when a beforeCreate hook aborts, and releases the DDL guard', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'stop-cdc': 'fail' });
    const input = baseInput({ hooks: { beforeCreate: lambdaHook('stop-cdc', 'stop-cdc') } });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.cause).toContain('beforeCreate[0] stop-cdc');
    expect(world.calls.some((c) => c.startsWith('createDeployment'))).toBe(false);
    expect(run.states.slice(-5)).toEqual([
      'RouteHookAbort',
      'HookAbortedBeforeCreate',
      'ReleaseDdlGuardAfterRollback',
      'NotifyRolledBack',
      'RolledBack',
    ]);
  });

  it('rolls back without switching when a beforeSwitch hook aborts', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'notify-ci': 'fail' });
    const input = baseInput({ hooks: { beforeSwitch: lambdaHook('ci', 'notify-ci') } });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.cause).toContain('beforeSwitch[0] ci');
    expect(world.calls.some((c) => c.startsWith('switchover'))).toBe(false);
    expect(world.calls).toContain(DELETE_GREEN);
  });

  it('holds and pages, never compensating, when an afterSwitch hook aborts', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'start-consumers': 'fail' });
    const input = baseInput({ hooks: { afterSwitch: lambdaHook('consumers', 'start-consumers') } });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.error).toBe('Switchyard.FailedAfterSwitch');
    expect(run.cause).toContain('afterSwitch[0] consumers');
    expect(run.states).not.toContain('Compensate');
    expect(world.calls.some((c) => c.includes('deleteTarget=true') || c.startsWith('deleteInstance'))).toBe(
      false,
    );
    expect(world.instances.has('orders-db-old1')).toBe(true);
    expect(world.published.at(-1)!.message).toContain('Fail-back runbook');
  });

  it('holds after cleanup too when an afterCleanup hook aborts', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const fake = targets({ 'post-clean': 'fail' });
    const input = baseInput({ hooks: { afterCleanup: lambdaHook('tidy', 'post-clean') } });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: fake.runHook,
    });
    expect(run.error).toBe('Switchyard.FailedAfterSwitch');
    expect(run.states).not.toContain('Compensate');
  });

  it('fails an ECS hook whose container exits non-zero (runTask.sync itself succeeds)', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const base = targets();
    const runHook: HookRunner = async (resource, parameters, timeout) =>
      resource.startsWith('arn:aws:states:::ecs')
        ? {
            Containers: [{ Name: 'tests', ExitCode: 3 }],
            StoppedReason: 'Essential container in task exited',
          }
        : base.runHook(resource, parameters, timeout);
    const ecs = {
      cluster: 'ci',
      taskDefinition: 'orders-tests',
      subnets: ['subnet-0abc1234'],
      containerName: 'tests',
    };
    const input = baseInput({ hooks: { greenReady: { name: 'ecs-suite', ecs } } });
    const run = await runPath(world, input, 'approve', undefined, { declaredHooks: DECLARED, runHook });
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.cause).toContain('container "tests" exited 3');
  });

  it('refuses at Preflight a hook the deployment did not declare, naming the field and the fix', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const input = baseInput({
      hooks: { greenReady: [lambdaHook('suite', 'green-tests'), lambdaHook('other', 'undeclared-fn')] },
    });
    const run = await runPath(world, input, 'approve', undefined, {
      declaredHooks: DECLARED,
      runHook: targets().runHook,
    });
    expect(run.error).toBe('Switchyard.Refused');
    expect(run.cause).toContain(
      'hooks.greenReady[1].lambda: greenReady[1] other (lambda undeclared-fn) was not declared at deploy time',
    );
    expect(run.cause).toContain('hooks.lambdaFunctions');
    expect(run.cause).not.toContain('greenReady[0]');
    expect(world.calls).toEqual([]);
  });
});
