/**
 * The local runner fails where AWS would: JSON both ways, Lambda's error envelope as the Cause, the
 * 256 KiB payload quota and the 25,000-event history quota (both beyond any Catch), and a missing
 * JSONPath as an uncatchable States.Runtime. Pure rules first, then each through the real ASL.
 */
import { describe, expect, it } from 'vitest';
import {
  asLambdaJson,
  ExecutionLimits,
  historyEventsFor,
  lambdaFailure,
  PAYLOAD_LIMIT_BYTES,
} from '../../../local/aws-strictness.ts';
import { waitLength } from '../../../local/run-state-machine.ts';
import { makeWorld } from '../../support/fake-world.ts';
import { baseInput, passingGate, runPath } from '../../support/run-path.ts';

const NO_CALLBACKS = new Set<string>();
const big = (bytes: number) => 'x'.repeat(bytes);

describe('asLambdaJson', () => {
  it('turns a Date into its ISO string and drops undefined fields, like Lambda’s JSON response', () => {
    // Prepare
    const result = { at: new Date('2026-11-22T01:00:00Z'), gone: undefined, kept: null };
    // Act
    const seen = asLambdaJson(result);
    // Assess
    expect(seen).toEqual({ at: '2026-11-22T01:00:00.000Z', kept: null });
    expect(Object.keys(seen as object)).not.toContain('gone');
  });

  it('answers null for a handler that returns nothing', () => {
    expect(asLambdaJson(undefined)).toBeNull();
  });
});

describe('lambdaFailure', () => {
  it('names the error like the thrown one and carries Lambda’s envelope as its message', () => {
    const thrown = new Error('old blue kept');
    thrown.name = 'CleanupRefusedError';
    const failure = lambdaFailure(thrown);
    expect(failure.name).toBe('CleanupRefusedError');
    const envelope = JSON.parse(failure.message);
    expect(Object.keys(envelope)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(envelope.errorType).toBe('CleanupRefusedError');
    expect(envelope.errorMessage).toBe('old blue kept');
    expect(envelope.trace[0]).toBe('CleanupRefusedError: old blue kept');
  });

  it('wraps a thrown non-Error as errorType Error', () => {
    const envelope = JSON.parse(lambdaFailure('boom').message);
    expect(envelope).toEqual({ errorType: 'Error', errorMessage: 'boom', trace: [] });
  });
});

describe('historyEventsFor', () => {
  const task = { name: 'CheckGreen', type: 'Task' };
  it.each([
    [
      'a Lambda task that succeeds',
      [
        { type: 'StateEntered', state: task },
        { type: 'StateExited', state: task },
      ],
      5,
    ],
    [
      'a Lambda task retried once',
      [
        { type: 'StateEntered', state: task },
        { type: 'StateFailed', state: task },
        { type: 'StateRetried', state: task },
        { type: 'StateExited', state: task },
      ],
      8,
    ],
    [
      'a Wait state',
      [
        { type: 'StateEntered', state: { name: 'W', type: 'Wait' } },
        { type: 'StateExited', state: { name: 'W', type: 'Wait' } },
      ],
      2,
    ],
  ])('counts %s as AWS does', (_label, events, expected) => {
    const total = events.reduce((n, e) => n + historyEventsFor(e, NO_CALLBACKS), 0);
    expect(total).toBe(expected);
  });

  it('adds TaskSubmitted for a callback task', () => {
    const entered = { type: 'StateEntered', state: { name: 'RequestApproval', type: 'Task' } };
    expect(historyEventsFor(entered, new Set(['RequestApproval']))).toBe(
      historyEventsFor(entered, NO_CALLBACKS) + 1,
    );
  });
});

describe('ExecutionLimits', () => {
  it('fails with States.Runtime when the next event would be the last one the quota allows', () => {
    const limits = new ExecutionLimits(NO_CALLBACKS, 4);
    const wait = { name: 'W', type: 'Wait' };
    expect(limits.observe({ type: 'ExecutionStarted' })).toBeNull();
    expect(limits.observe({ type: 'StateEntered', state: wait })).toBeNull();
    expect(limits.observe({ type: 'StateExited', state: wait })).toBeNull();
    const failure = limits.observe({ type: 'StateEntered', state: wait });
    expect(failure).toEqual({
      error: 'States.Runtime',
      cause: 'The execution reached the maximum number of history events (4).',
    });
  });

  it('fails with States.DataLimitExceeded when a state’s output is over 256 KiB', () => {
    const limits = new ExecutionLimits(NO_CALLBACKS);
    const state = { name: 'Big', type: 'Pass', output: { blob: big(PAYLOAD_LIMIT_BYTES) } };
    expect(limits.observe({ type: 'StateExited', state })?.error).toBe('States.DataLimitExceeded');
  });

  it('keeps an output of exactly 256 KiB', () => {
    const limits = new ExecutionLimits(NO_CALLBACKS);
    // {"b":"…"} is 8 bytes around the string.
    const state = { name: 'Edge', type: 'Pass', output: { b: big(PAYLOAD_LIMIT_BYTES - 8) } };
    expect(limits.observe({ type: 'StateExited', state })).toBeNull();
  });
});

describe('waitLength', () => {
  it.each([
    [{ Seconds: 5 }, {}, { seconds: 5 }],
    [{ SecondsPath: '$.a.b' }, { a: { b: 30 } }, { seconds: 30 }],
    [{ TimestampPath: '$.t' }, { t: '2026-11-22T02:00:00Z' }, { until: '2026-11-22T02:00:00Z' }],
  ])('resolves %j against the state input', (wait, input, expected) => {
    expect(waitLength(wait, input)).toEqual(expected);
  });
});

describe('the local runner on the real ASL', () => {
  it('gives a Task failure Lambda’s envelope as Cause, and the notification its message only', async () => {
    // Prepare: a source RDS would refuse.
    const world = makeWorld({ source: { backupRetentionPeriod: 0 } });
    // Act
    const run = await runPath(world, baseInput());
    // Assess
    const failed = run.events.find((e) => e.type === 'StateFailed' && e.state === 'Preflight');
    expect(failed?.error).toBe('PreflightRefusedError');
    const envelope = JSON.parse(failed?.cause ?? '{}');
    expect(envelope.errorType).toBe('PreflightRefusedError');
    expect(envelope.errorMessage).toContain('automated backups are off');
    expect(Array.isArray(envelope.trace)).toBe(true);
    expect(world.published[0]?.message).toContain(
      'Reason: PreflightRefusedError: Preflight refused orders-db',
    );
    expect(world.published[0]?.message).not.toContain('errorType');
  });

  it('ends the run with an uncatchable States.Runtime when a ResultSelector path is missing', async () => {
    // Prepare: CheckGreen's result loses a field the ASL selects (undefined does not survive JSON).
    const world = makeWorld({ provisioningPolls: 2 });
    const tamper = (key: string, result: unknown) =>
      key === 'checkGreen' ? { ...(result as object), lagDeadline: undefined } : result;
    // Act
    const run = await runPath(world, baseInput(), 'approve', passingGate, { tamper });
    // Assess: no Catch (States.ALL included) took it; nothing compensated (the backstop's job).
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toContain("'$.Payload.lagDeadline' does not point to a value");
    expect(run.states.at(-1)).toBe('CheckGreen');
    expect(run.states).not.toContain('Compensate');
    expect(world.calls).toEqual(['createDeployment sy-orders-db-0b84446f57']);
  });

  it('ends the run with States.DataLimitExceeded, past any Catch, when a task result is over 256 KiB', async () => {
    const world = makeWorld();
    const tamper = (key: string, result: unknown) =>
      key === 'preflight' ? { ...(result as object), warnings: [big(PAYLOAD_LIMIT_BYTES)] } : result;
    const run = await runPath(world, baseInput(), 'approve', passingGate, { tamper });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.DataLimitExceeded');
    expect(run.cause).toContain("The result of task 'Preflight'");
    expect(run.states).toEqual(['Begin', 'Preflight']);
    expect(world.calls).toEqual([]);
  });

  it('stops before the next Lambda when a state’s output grows over 256 KiB', async () => {
    // Prepare: two results of 150 KiB each, under the quota alone, over it together in the state.
    const world = makeWorld({ provisioningPolls: 2 });
    const invoked: string[] = [];
    const tamper = (key: string, result: unknown) => {
      invoked.push(key);
      if (key === 'preflight') return { ...(result as object), warnings: [big(150 * 1024)] };
      if (key === 'checkGreen') return { ...(result as object), reasons: [big(150 * 1024)] };
      return result;
    };
    // Act
    const run = await runPath(world, baseInput(), 'approve', passingGate, { tamper });
    // Assess
    expect(run.error).toBe('States.DataLimitExceeded');
    expect(run.cause).toContain("The output of state 'CheckGreen'");
    expect(invoked).toEqual(['preflight', 'applyMigrations', 'installDdlGuard', 'createGreen', 'checkGreen']);
    expect(run.states).not.toContain('Compensate');
  });

  it('fails the run with States.Runtime when the history reaches its quota, and no Catch sees it', async () => {
    const world = makeWorld({ provisioningPolls: Number.POSITIVE_INFINITY });
    const run = await runPath(world, baseInput(), 'approve', passingGate, { historyEventLimit: 60 });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('States.Runtime');
    expect(run.cause).toBe('The execution reached the maximum number of history events (60).');
    // The runner counts a state's events as it enters it (up to 6 for a callback Task), so it stops
    // at the first state that reaches the quota: at 60, or a few events past it.
    expect(run.historyEvents).toBeGreaterThanOrEqual(60);
    expect(run.historyEvents).toBeLessThanOrEqual(65);
    expect(run.states).not.toContain('Compensate');
  });

  it('counts the happy path’s history events well under the quota', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('SUCCEEDED');
    // Every state is at least entered and exited; Lambda tasks add three more each.
    expect(run.historyEvents).toBeGreaterThan(2 * run.states.length);
    expect(run.historyEvents).toBeLessThan(25_000);
  });
});

describe('the fake world’s clock', () => {
  it('stands still between Wait states and moves by each Wait’s length', () => {
    const world = makeWorld();
    const first = world.gateways.clock();
    expect(world.gateways.clock().getTime()).toBe(first.getTime());
    world.advanceClock({ seconds: 30 });
    expect(world.gateways.clock().getTime()).toBe(first.getTime() + 30_000);
    world.advanceClock({ until: '2026-11-22T03:00:00Z' });
    expect(world.gateways.clock().toISOString()).toBe('2026-11-22T03:00:00.000Z');
    world.advanceClock({ until: '2020-01-01T00:00:00Z' });
    expect(world.gateways.clock().toISOString()).toBe('2026-11-22T03:00:00.000Z');
  });
});
