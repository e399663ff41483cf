/**
 * Static checks of statemachine/blue-green.asl.yaml and its contract with the TypeScript:
 * valid ASL, a Comment everywhere, Retry/Timeout/Catch on every Task, every Task bound to a real
 * handler, every error name the ASL matches is one the code throws, every loop bounded by a deadline.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import validator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { MAX_FAIL_BACK_ATTEMPTS, MAX_SWITCHOVER_REFUSALS } from '#domain/budget';
import { APPROVAL_REJECTED, THROWN_ERROR_NAMES } from '#domain/errors';
import { PARAMETER_APPLY_WAIT_MS, REBOOT_INLINE_WAIT_MS } from '#lib/fail-back-writes';
import {
  allStates,
  loadDefinition,
  readRawDefinition,
  serverlessFunctions,
  taskBindings,
} from '../../local/definition.ts';

type State = Record<string, unknown> & { Type: string };
const raw = readRawDefinition() as { States: Record<string, State> };
const states = Object.entries(raw.States);
const tasks = states.filter(([, s]) => s.Type === 'Task');
const LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

describe('blue-green.asl.yaml', () => {
  it('is valid ASL (asl-validator, paths and ARNs checked)', () => {
    const { isValid, errors } = validator(loadDefinition() as never, { checkPaths: true, checkArn: true });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('gives every state a Comment', () => {
    expect(
      states.filter(([, s]) => typeof s.Comment !== 'string' || s.Comment.length < 10).map(([n]) => n),
    ).toEqual([]);
  });

  it.each(tasks.map(([n, s]) => [n, s] as const))(
    '%s has the Lambda Retry block, a timeout and a Catch',
    (_name, state) => {
      const retry = state.Retry as Array<{ ErrorEquals: string[] }>;
      expect(retry?.[0]?.ErrorEquals).toEqual(LAMBDA_ERRORS);
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath).toBeDefined();
      const catches = state.Catch as Array<{ ErrorEquals: string[] }>;
      expect(catches.some((c) => c.ErrorEquals.includes('States.ALL'))).toBe(true);
    },
  );

  it('builds every Task input explicitly and stores each result under its own key', () => {
    const resultPaths = new Map<string, string>();
    for (const [name, state] of tasks) {
      expect(state.Parameters, name).toBeDefined();
      const resultPath = state.ResultPath as string;
      // One nested key: old blue's writable check re-reads what HandOverToOldBlue started and replaces
      // only that part of the hand-over's result (same shape, deadline carried).
      if (name === 'CheckOldBlueWritable') {
        expect(resultPath).toBe('$.failBackHandOver.oldBlue');
        continue;
      }
      expect(resultPath, name).toMatch(/^\$\.[a-zA-Z]+$/);
      // Only the notify states share a key, and the event waits: each writes the same kind of result.
      if (!['$.notified', '$.wake'].includes(resultPath)) {
        expect(resultPaths.get(resultPath), `${name} reuses ${resultPath}`).toBeUndefined();
        resultPaths.set(resultPath, name);
      }
    }
  });

  it('gives every synchronous Task at least its Lambda’s timeout, so the function ends first with its own error', () => {
    // provider.timeout in serverless.yml applies where a function sets none.
    const providerTimeout = Number(/^ {2}timeout: (\d+)$/m.exec(readFileSync('serverless.yml', 'utf8'))?.[1]);
    expect(providerTimeout).toBeGreaterThan(0);
    const functions = serverlessFunctions() as Record<string, { timeout?: number }>;
    const tooShort: string[] = [];
    for (const binding of taskBindings()) {
      if (binding.callback) continue;
      const state = Object.fromEntries(allStates(raw.States as never))[binding.state] as {
        TimeoutSeconds?: number;
      };
      const lambda = functions[binding.functionKey]?.timeout ?? providerTimeout;
      if (state.TimeoutSeconds !== undefined && state.TimeoutSeconds < lambda)
        tooShort.push(
          `${binding.state}: TimeoutSeconds ${state.TimeoutSeconds} < ${binding.functionKey}'s ${lambda} s`,
        );
    }
    expect(tooShort).toEqual([]);
    // The fail-back's bounded in-Task waits (MariaDB) fit in their functions' timeouts, with room to connect.
    const room = (key: string) => (functions[key]?.timeout ?? providerTimeout) * 1000;
    expect(room('blockWrites')).toBeGreaterThanOrEqual(PARAMETER_APPLY_WAIT_MS + 15_000);
    expect(room('undoWriteBlock')).toBeGreaterThanOrEqual(2 * PARAMETER_APPLY_WAIT_MS + 15_000);
    expect(room('handOverToOldBlue')).toBeGreaterThanOrEqual(REBOOT_INLINE_WAIT_MS + 15_000);
  });

  it('binds every Task to a serverless function whose handler file exports `handler`', () => {
    const functions = serverlessFunctions();
    for (const binding of taskBindings()) {
      const fn = functions[binding.functionKey];
      expect(fn, `${binding.state} → ${binding.functionKey} missing in serverless.yml`).toBeDefined();
      const file = `${fn!.handler.replace(/\.handler$/, '')}.ts`;
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/export const handler\b/);
    }
  });

  it('matches only error names the code throws (or SendTaskFailure sends)', () => {
    const known = new Set<string>([...THROWN_ERROR_NAMES, APPROVAL_REJECTED]);
    const matched = tasks.flatMap(([, s]) =>
      [
        ...((s.Retry as Array<{ ErrorEquals: string[] }>) ?? []),
        ...((s.Catch as Array<{ ErrorEquals: string[] }>) ?? []),
      ].flatMap((r) => r.ErrorEquals),
    );
    const custom = [...new Set(matched.filter((e) => !e.startsWith('States.') && !e.startsWith('Lambda.')))];
    expect(custom.filter((e) => !known.has(e))).toEqual([]);
    // …and each of those names is really thrown somewhere in the handlers' code.
    const source = ['functions', 'src']
      .flatMap((dir) =>
        readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.ts'))
          .map((f) => `${dir}/${f}`),
      )
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const name of custom) {
      if (name === APPROVAL_REJECTED) expect(source).toMatch(/SendTaskFailure|sendTaskFailure/);
      else expect(source, name).toContain(`new ${name}(`);
    }
  });

  it('passes the task token to the approval callback task and bounds its wait', () => {
    const callbacks = tasks.filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'));
    expect(callbacks.map(([n]) => n)).toEqual([
      'AwaitGreenEvent',
      'RequestApproval',
      'AwaitSwitchoverEvent',
      'OpenRollbackWindow',
    ]);
    const [, approval] = callbacks.find(([n]) => n === 'RequestApproval')!;
    expect(JSON.stringify(approval.Parameters)).toContain('$$.Task.Token');
    expect(approval.TimeoutSecondsPath).toBe('$.preflight.plan.approval.timeoutSeconds');
    const caught = (approval.Catch as Array<{ ErrorEquals: string[]; Next: string }>).map((c) => [
      c.ErrorEquals[0],
      c.Next,
    ]);
    expect(caught).toEqual([
      [APPROVAL_REJECTED, 'Compensate'],
      ['States.Timeout', 'Compensate'],
      ['States.ALL', 'Compensate'],
    ]);
    // The rollback window: the token, the retention as its timeout, and the timeout removing the reverse
    // stream before Cleanup.
    const [, window] = callbacks.find(([n]) => n === 'OpenRollbackWindow')!;
    expect(JSON.stringify(window.Parameters)).toContain('$$.Task.Token');
    expect(window.TimeoutSecondsPath).toBe('$.rollbackWindow.seconds');
    expect(
      (window.Catch as Array<{ ErrorEquals: string[]; Next: string }>).map((c) => [c.ErrorEquals[0], c.Next]),
    ).toEqual([
      ['States.Timeout', 'EndReverseReplication'],
      ['States.ALL', 'KeepOldBlue'],
    ]);
    expect(window.Next).toBe('CountFailBackAttempt');
  });

  it('wakes each event wait by its token, falls back to a poll on timeout, and degrades to polling on failure', () => {
    const expected: Record<string, [string, string, string, string]> = {
      AwaitGreenEvent: ['green', 'greenFallbackSeconds', 'CheckGreen', 'WaitForGreen'],
      AwaitSwitchoverEvent: [
        'switchover',
        'switchoverFallbackSeconds',
        'CheckSwitchover',
        'WaitForSwitchover',
      ],
    };
    for (const [name, [wait, fallback, check, degraded]] of Object.entries(expected)) {
      const state = raw.States[name] as Record<string, unknown>;
      const payload = (state.Parameters as { Payload: Record<string, unknown> }).Payload;
      expect(payload['taskToken.$'], name).toBe('$$.Task.Token');
      expect(payload.wait, name).toBe(wait);
      expect(state.TimeoutSecondsPath, name).toBe(`$.preflight.plan.waits.${fallback}`);
      expect(state.Next, name).toBe(check);
      const caught = (state.Catch as Array<{ ErrorEquals: string[]; Next: string }>).map((c) => [
        c.ErrorEquals.join(','),
        c.Next,
      ]);
      expect(caught, name).toEqual([
        ['States.Timeout,States.HeartbeatTimeout', check],
        ['States.ALL', degraded],
      ]);
      expect((raw.States[degraded] as { Type: string }).Type).toBe('Wait');
    }
  });

  it('bounds every polling loop with a deadline checked in its Choice', () => {
    // A loop is a Choice whose Default goes to a Wait; each must compare a timestamp with a deadline.
    const loops = states.filter(
      ([, s]) => s.Type === 'Choice' && raw.States[s.Default as string]?.Type === 'Wait',
    );
    expect(loops.length).toBeGreaterThanOrEqual(6);
    for (const [name, choice] of loops) {
      const rules = JSON.stringify(choice.Choices);
      // The switchover-refusal loop is bounded by a count (and goes back through the window's deadline check).
      if (name === 'IsRefusalRetryable') continue;
      expect(rules, name).toMatch(/Timestamp(GreaterThan|GreaterThanEquals)Path/);
    }
  });

  it('acts on at most the fail-back decisions the history budget counts, and on none after the hand-over began or renames were tried', () => {
    const choice = raw.States.MayFailBackAgain as unknown as {
      Choices: Array<{
        Variable: string;
        NumericGreaterThanEquals?: number;
        IsPresent?: boolean;
        Next: string;
      }>;
      Default: string;
    };
    expect(choice.Choices).toEqual([
      { Variable: '$.failBackAside.action', IsPresent: true, Next: 'KeepOldBlue' },
      { Variable: '$.failBackHandOverBegun.begun', IsPresent: true, Next: 'KeepOldBlue' },
      { Variable: '$.rollbackWindowClosed.closed', IsPresent: true, Next: 'KeepOldBlue' },
      {
        Variable: '$.rollbackWindow.attempts',
        NumericGreaterThanEquals: MAX_FAIL_BACK_ATTEMPTS,
        Next: 'KeepOldBlue',
      },
    ]);
    // Whatever ends the window early waits out old blue's retain-until, not a stale count of seconds.
    expect(raw.States.KeepOldBlue).toMatchObject({ Type: 'Wait', TimestampPath: '$.retain.retainUntil' });
    expect(choice.Default).toBe('OpenRollbackWindow');
    // Nothing after a decision to fail back reaches a deleting state except through the window's timeout.
    for (const name of [
      'BlockWritesOnNewPrimary',
      'VerifyAfterFailBack',
      'NotifyFailBackStuck',
      'NotifyFailedBack',
    ])
      expect(JSON.stringify(raw.States[name]), name).not.toMatch(/"(Cleanup|DeleteOldBlue)"/);
  });

  it('bounds switchover refusals by the count the history budget assumes, through the window and lag checks', () => {
    // Prepare
    const choice = raw.States.IsRefusalRetryable as unknown as {
      Choices: Array<{ NumericGreaterThanEquals: number; Next: string }>;
      Default: string;
    };
    const switchover = raw.States.Switchover as unknown as {
      Retry: Array<{ ErrorEquals: string[] }>;
      Catch: Array<{ ErrorEquals: string[]; Next: string }>;
    };
    // Assess
    expect(choice.Choices[0]?.NumericGreaterThanEquals).toBe(MAX_SWITCHOVER_REFUSALS);
    expect(choice.Choices[0]?.Next).toBe('SwitchoverRefusedTooOften');
    expect(raw.States.SwitchoverRefusedTooOften?.Next).toBe('Compensate');
    expect(raw.States[choice.Default]?.Next).toBe('CheckWindow');
    expect(switchover.Retry.flatMap((r) => r.ErrorEquals)).not.toContain('SwitchoverRefusedError');
    expect(switchover.Catch[0]).toMatchObject({
      ErrorEquals: ['SwitchoverRefusedError'],
      Next: 'CountSwitchoverRefusal',
    });
  });

  it('ends a run whose notification failed in a defined failure, never silently in its outcome', () => {
    // NotifyReverseBroken is an alert in the middle of the bake, not an outcome: the run goes on after it.
    const notifies = tasks.filter(
      ([name, s]) => JSON.stringify(s.Parameters).includes('"notify"') && name !== 'NotifyReverseBroken',
    );
    // 8 outcomes of a run, plus 4 of the fail-back branch.
    expect(notifies.length).toBe(12);
    expect(
      ((raw.States.NotifyReverseBroken?.Catch ?? []) as Array<{ Next: string }>).map((c) => c.Next),
    ).toEqual(['IsBakeOver']);
    for (const [name, state] of notifies) {
      const retry = state.Retry as Array<{ ErrorEquals: string[]; MaxAttempts: number }>;
      expect(retry.at(-1), name).toMatchObject({ ErrorEquals: ['States.ALL'] });
      expect(
        (state.Catch as Array<{ Next: string }>).map((c) => c.Next),
        name,
      ).toEqual(['NotificationFailed']);
    }
    expect(raw.States.NotificationFailed).toMatchObject({
      Type: 'Fail',
      Error: 'Switchyard.NotificationFailed',
    });
    // Every Fail state says why through CausePath (the readable reason), not fixed text.
    for (const [name, state] of states.filter(([, s]) => s.Type === 'Fail')) {
      expect(state.CausePath, name).toMatch(/^\$\.(notified\.reason|notifyError\.Cause)$/);
      expect(state.Cause, name).toBeUndefined();
    }
  });

  it('never reaches a deleting state from a post-switch state except through verified cleanup', () => {
    const postSwitch = ['CheckSwitchover', 'Verify', 'SwitchoverUnresolved', 'VerificationFailed'];
    for (const name of postSwitch) {
      const state = raw.States[name]!;
      const targets = [
        state.Next,
        ...((state.Catch as Array<{ Next: string }>) ?? []).map((c) => c.Next),
      ].filter(Boolean);
      expect(targets, name).not.toContain('Compensate');
    }
  });
});

describe('statemachine/blue-green.md', () => {
  it('is the diagram generated from the current ASL', async () => {
    const { renderDiagram, DIAGRAM_PATH } = await import('../../bin/commands/diagram.ts');
    expect(readFileSync(DIAGRAM_PATH, 'utf8')).toBe(renderDiagram());
  });
});
