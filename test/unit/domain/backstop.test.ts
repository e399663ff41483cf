/** Table tests of the backstop's pure parts: the reconcile decision, the history budget, the error envelope. */
import { describe, expect, it } from 'vitest';
import {
  boundedLoopSeconds,
  HISTORY_EVENT_BUDGET,
  historyBudget,
  MAX_INPUT_BYTES,
  MAX_STATEMENT_BYTES,
} from '#domain/budget';
import { readableCause, readableError } from '#domain/error-envelope';
import { type ExecutionInput, validateExecutionInput } from '#domain/input';
import { decideReconcile, type ExecutionFacts, type TaggedDeployment } from '#domain/reconcile';
import { rehearsalInput } from '../../../rehearsal/input.ts';

const ARN = 'arn:aws:states:us-east-1:123456789012:execution:switchyard-blue-green-dev:run-1';
const BEFORE_SWITCH = [
  'Begin',
  'Preflight',
  'CreateGreen',
  'WaitForGreen',
  'CheckGreen',
  'IsGreenReady',
  'StartLagWatch',
  'CheckLag',
];
const AFTER_SWITCH = [
  ...BEFORE_SWITCH,
  'Switchover',
  'WaitForSwitchover',
  'CheckSwitchover',
  'IsSwitchoverDone',
  'Verify',
];

const execution = (over: Partial<ExecutionFacts> = {}): ExecutionFacts => ({
  executionArn: ARN,
  status: 'ABORTED',
  error: null,
  cause: null,
  statesEntered: BEFORE_SWITCH,
  ...over,
});
const deployment = (status: string, tags: Record<string, string> = {}): TaggedDeployment => ({
  id: 'bgd-1',
  status,
  tags: { 'switchyard:execution': ARN, ...tags },
});

describe('decideReconcile', () => {
  it.each([
    // [case, execution, deployment, action, notify]
    [
      'running: the state machine owns it',
      execution({ status: 'RUNNING' }),
      deployment('AVAILABLE'),
      'none',
      false,
    ],
    ['succeeded', execution({ status: 'SUCCEEDED' }), undefined, 'none', false],
    ['aborted before the switch, green there', execution(), deployment('AVAILABLE'), 'compensate', true],
    [
      'States.Runtime while provisioning',
      execution({ status: 'FAILED', error: 'States.Runtime' }),
      deployment('PROVISIONING'),
      'compensate',
      true,
    ],
    [
      'timed out, green invalid',
      execution({ status: 'TIMED_OUT' }),
      deployment('INVALID_CONFIGURATION'),
      'compensate',
      true,
    ],
    [
      'RDS rolled the switch back',
      execution({ statesEntered: AFTER_SWITCH }),
      deployment('SWITCHOVER_FAILED'),
      'compensate',
      true,
    ],
    [
      'switched: green is production',
      execution({ statesEntered: AFTER_SWITCH }),
      deployment('SWITCHOVER_COMPLETED'),
      'hold',
      true,
    ],
    [
      'switching: outcome unknown',
      execution({ statesEntered: AFTER_SWITCH }),
      deployment('SWITCHOVER_IN_PROGRESS'),
      'hold',
      true,
    ],
    [
      'a person put a hold tag',
      execution(),
      deployment('AVAILABLE', { 'switchyard:hold': 'dba' }),
      'hold',
      true,
    ],
    [
      'after the switch, deployment already removed by cleanup',
      execution({ statesEntered: [...AFTER_SWITCH, 'Retain', 'KeepOldBlue'] }),
      undefined,
      'hold',
      true,
    ],
    [
      'nothing was ever created',
      execution({ statesEntered: ['Begin', 'Preflight'] }),
      undefined,
      'nothing-left',
      true,
    ],
    ['already deleting', execution(), deployment('DELETING'), 'already-deleting', true],
    [
      'pipeline rolled back and told: quiet',
      execution({ status: 'FAILED', error: 'Switchyard.RolledBack' }),
      undefined,
      'nothing-left',
      false,
    ],
    [
      'pipeline held after switch and paged: quiet',
      execution({ status: 'FAILED', error: 'Switchyard.FailedAfterSwitch', statesEntered: AFTER_SWITCH }),
      deployment('SWITCHOVER_COMPLETED'),
      'hold',
      false,
    ],
    [
      'pipeline compensation stuck: try again',
      execution({ status: 'FAILED', error: 'Switchyard.CompensationIncomplete' }),
      deployment('AVAILABLE'),
      'compensate',
      true,
    ],
    [
      'notification failed after success',
      execution({
        status: 'FAILED',
        error: 'Switchyard.NotificationFailed',
        statesEntered: [...AFTER_SWITCH, 'DeleteOldBlue', 'NotifySuccess'],
      }),
      undefined,
      'nothing-left',
      true,
    ],
    [
      'notification failed after switch, held',
      execution({
        status: 'FAILED',
        error: 'Switchyard.NotificationFailed',
        statesEntered: [...AFTER_SWITCH, 'AlertAndHold'],
      }),
      deployment('SWITCHOVER_COMPLETED'),
      'hold',
      true,
    ],
  ] as const)('%s', (_case, facts, found, action, notify) => {
    // Act
    const decision = decideReconcile(facts, found);
    // Assess
    expect(decision).toMatchObject({ action, notify, lastState: facts.statesEntered.at(-1) });
    expect(decision.reason.length).toBeGreaterThan(10);
  });
});

const parse = (raw: unknown): ExecutionInput => {
  const v = validateExecutionInput(raw);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.input;
};
const minimal = {
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '18.4' },
  approval: { approvers: ['dba@example.com'] },
  // migrations need it (they are applied on blue)
  database: { name: 'app', user: 'switchyard', passwordParameter: '/switchyard/dev/db/app' },
};

describe('history budget at the input', () => {
  it('accepts the defaults with a wide margin and counts 9 events per poll', () => {
    const { total, loops } = historyBudget(parse(minimal));
    // 15,101 events: 60 % of Step Functions' 25,000, within Switchyard's 20,000 (the fail-back branch adds
    // 837: catch-up, three renames and MariaDB's old-blue reboot wait, each polled).
    expect(total).toBe(15_101);
    // The bake loop also reads the reverse stream each pass: 16 events per poll, not 9.
    const bake = loops.find((l) => l.loop === 'bake');
    expect(bake && bake.events / bake.polls).toBe(16);
    // The fail-back branch (2 catch-up loops of 25 polls, 3 rename loops and old blue's reboot wait of 21
    // polls each, 2 passes) excludes
    // the compensation loop: a run compensates before the switch or fails back after it, never both.
    expect(loops.find((l) => l.loop === 'reverse catch-up (fail-back)')?.events).toBe(450);
    expect(loops.find((l) => l.loop === 'renames (fail-back)')?.events).toBe(756);
    expect(total).toBeLessThan(HISTORY_EVENT_BUDGET);
    expect(loops.find((l) => l.loop === 'green readiness')).toEqual({
      loop: 'green readiness',
      field: 'green.pollSeconds',
      polls: 361,
      events: 3249,
    });
    // MaintainGreen: 120 min at one 300 s round each, plus one.
    expect(loops.find((l) => l.loop === 'green maintenance')).toEqual({
      loop: 'green maintenance',
      field: 'green.maintenanceTimeBudgetSeconds',
      polls: 25,
      events: 225,
    });
  });

  it('accepts every rehearsal scenario input', () => {
    for (const scenario of ['happy', 'lag-stall', 'green-deadline', 'approval-timeout'] as const) {
      const v = validateExecutionInput(rehearsalInput(scenario, { targetEngineVersion: '18.4' }));
      expect(v.ok ? [] : v.problems, scenario).toEqual([]);
    }
  });

  it('refuses a 45 h green deadline at 60 s polls, naming the field and the fix', () => {
    const v = validateExecutionInput({
      ...minimal,
      green: { readyDeadlineMinutes: 45 * 60, pollSeconds: 60 },
    });
    expect(v.ok).toBe(false);
    const problems = v.ok ? [] : v.problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^green\.pollSeconds: the run could write up to \d+ history events/);
    expect(problems[0]).toContain('raise green.pollSeconds or shorten its deadline');
  });

  it('bounds the fixed-deadline loops (final snapshot 6 h, compensation 1 h) to 360 polls when polls are short', () => {
    expect(boundedLoopSeconds(6 * 3600, 60)).toBe(6 * 3600);
    expect(boundedLoopSeconds(6 * 3600, 1)).toBe(360);
    const snapshot = historyBudget(
      parse({ ...minimal, verify: { pollSeconds: 1, bakeMinutes: 1 } }),
    ).loops.find((l) => l.loop === 'final snapshot');
    expect(snapshot?.polls).toBe(361);
  });

  it('counts the recheck loop once per switchover refusal allowed, over the window length', () => {
    const windowed = parse({
      ...minimal,
      window: { days: ['SUN'], start: '23:00', end: '01:00', timezone: 'UTC' },
    });
    const recheck = historyBudget(windowed).loops.find((l) => l.loop === 'lag recheck before the switch');
    // 2 h window at 30 s polls: 241 polls, 4 entries (the first and 3 refusals).
    expect(recheck?.polls).toBe(4 * 241);
  });
});

describe('input size caps', () => {
  it('refuses one statement over the cap, naming it', () => {
    const big = `SELECT '${'x'.repeat(MAX_STATEMENT_BYTES)}'`;
    const v = validateExecutionInput({ ...minimal, migrations: { expand: ['SELECT 1', big] } });
    expect(v.ok ? [] : v.problems).toEqual([
      `migrations.expand[1]: is ${big.length} bytes; one statement may be at most ${MAX_STATEMENT_BYTES} (split it, or apply it outside Switchyard)`,
    ]);
  });

  it('refuses a document over the total cap', () => {
    const many = Array.from({ length: 6 }, () => `SELECT '${'y'.repeat(MAX_STATEMENT_BYTES - 20)}'`);
    const v = validateExecutionInput({ ...minimal, migrations: { expand: many } });
    expect(v.ok ? [] : v.problems).toEqual([
      expect.stringMatching(
        new RegExp(`^input: is \\d+ bytes; the document may be at most ${MAX_INPUT_BYTES}`),
      ),
    ]);
  });
});

describe('readable causes', () => {
  const envelope = JSON.stringify({
    errorType: 'CompensationBlockedError',
    errorMessage: 'RDS refused to delete bgd-1 now:\n  deployment is busy',
    trace: ['CompensationBlockedError: RDS refused', '    at compensateGreen (/var/task/index.mjs:10:5)'],
  });

  it.each([
    [
      'a Lambda error envelope: message only, one line, no trace',
      envelope,
      'RDS refused to delete bgd-1 now: deployment is busy',
    ],
    [
      'plain text from a Pass state',
      'green not ready by 2026-11-22T01:00:00Z',
      'green not ready by 2026-11-22T01:00:00Z',
    ],
    ['JSON that is not an envelope', '["replication broken"]', '["replication broken"]'],
    ['nothing', undefined, '—'],
  ])('%s', (_case, cause, expected) => {
    expect(readableCause(cause)).toBe(expected);
  });

  it('reads {Error, Cause} as Step Functions records it', () => {
    expect(readableError({ Error: 'CompensationBlockedError', Cause: envelope })).toEqual({
      error: 'CompensationBlockedError',
      cause: 'RDS refused to delete bgd-1 now: deployment is busy',
    });
    expect(readableError(undefined)).toBeUndefined();
  });
});
