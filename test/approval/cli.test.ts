/**
 * `switchyard approve|reject` against the loopback services (DynamoDB emulator service, recording
 * Step Functions, SNS), through the real SDK clients and the real bin/commands modules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionExitCode } from '#approval/cli';
import { APPROVAL_REJECTED } from '#approval/contracts';
import { EXECUTION_ARN, requestInput, TASK_TOKEN } from './support/fixtures.ts';
import { type Rehearsal, startRehearsal } from './support/loopback.ts';

let rehearsal: Rehearsal | undefined;
let approve: (argv: string[]) => Promise<number>;
let reject: (argv: string[]) => Promise<number>;
let n = 0;

beforeAll(async () => {
  rehearsal = await startRehearsal();
  ({ run: approve } = await import('../../bin/commands/approve.ts'));
  ({ run: reject } = await import('../../bin/commands/reject.ts'));
});
afterAll(async () => {
  await rehearsal?.stop();
});

const pending = async (expiresInMs = 3600_000) => {
  n += 1;
  const executionArn = `${EXECUTION_ARN}-cli-${n}`;
  const taskToken = `${TASK_TOKEN}-cli-${n}`;
  await rehearsal!.requestApproval(
    requestInput({ taskToken, executionArn, expiresAt: new Date(Date.now() + expiresInMs).toISOString() }),
  );
  return { executionArn, taskToken };
};

/** Runs a command, capturing what it prints. */
const capture = async (fn: () => Promise<number>) => {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  console.error = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { code: await fn(), text: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
};

describe('switchyard approve | reject', () => {
  it('approves the pending approval of an execution with channel cli', async () => {
    const { executionArn, taskToken } = await pending();
    const { code, text } = await capture(() => approve([executionArn, '--by', 'ops-alice']));
    expect(code).toBe(DecisionExitCode.Decided);
    expect(text).toContain('Approved orders-db');
    expect(text).not.toContain(taskToken);
    const call = rehearsal!.sfn.calls.find((c) => c.taskToken === taskToken);
    expect(call?.operation).toBe('SendTaskSuccess');
    expect(call?.output).toMatchObject({ decision: 'approved', by: 'ops-alice', channel: 'cli' });
  });

  it('rejects with the reason, and a second decision is refused as already decided', async () => {
    const { executionArn, taskToken } = await pending();
    expect(
      (await capture(() => reject([executionArn, '--reason', 'Checkout freeze', '--by', 'ops-bob']))).code,
    ).toBe(0);
    const call = rehearsal!.sfn.calls.find((c) => c.taskToken === taskToken);
    expect(call).toMatchObject({ operation: 'SendTaskFailure', error: APPROVAL_REJECTED });
    expect(call?.cause).toMatchObject({
      decision: 'rejected',
      by: 'ops-bob',
      channel: 'cli',
      reason: 'Checkout freeze',
    });
    const again = await capture(() => approve([executionArn]));
    expect(again.code).toBe(DecisionExitCode.AlreadyDecided);
    expect(again.text).toContain('already rejected by ops-bob');
  });

  it('says when no approval is pending, when it expired, and when the execution moved on', async () => {
    const none = await capture(() => approve([`${EXECUTION_ARN}-unknown`]));
    expect(none).toMatchObject({ code: DecisionExitCode.NoPendingApproval });
    expect(none.text).toContain('no approval is pending');

    const expired = await pending(-1000);
    expect((await capture(() => approve([expired.executionArn]))).code).toBe(DecisionExitCode.Expired);

    const gone = await pending();
    rehearsal!.sfn.expire(gone.taskToken);
    const moved = await capture(() => approve([gone.executionArn]));
    expect(moved.code).toBe(DecisionExitCode.ExecutionMovedOn);
    expect(moved.text).not.toContain(gone.taskToken);
  });

  it('checks its arguments', async () => {
    expect((await capture(() => reject([`${EXECUTION_ARN}-x`]))).code).toBe(DecisionExitCode.Usage);
    expect((await capture(() => approve([]))).code).toBe(DecisionExitCode.Usage);
    expect((await capture(() => approve(['not-an-arn']))).code).toBe(DecisionExitCode.Usage);
    expect((await capture(() => approve([EXECUTION_ARN, '--bogus']))).code).toBe(DecisionExitCode.Usage);
    expect((await capture(() => approve(['--help']))).code).toBe(0);
  });
});
