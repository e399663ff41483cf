/**
 * The rollback window's "Fail back" link and `switchyard fail-back`, over loopback: the real
 * OpenRollbackWindow and callback handlers behind local/approval-server.ts, the DynamoDB emulator
 * service, a recording Step Functions and SNS, the real SDK clients. Same guarantees as an approval
 * link: signed, bound to one window and execution, expiring, single use; a GET never acts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenRollbackWindowInput } from '#approval/fail-back';
import { FailBackExitCode, runFailBackCommand } from '#approval/fail-back-cli';
import { buildLink } from '#approval/links';
import { EXECUTION_ARN, SIGNING_SECRET, TASK_TOKEN } from './support/fixtures.ts';
import { type Rehearsal, startRehearsal } from './support/loopback.ts';

let rehearsal: Rehearsal;
let n = 0;

beforeAll(async () => {
  rehearsal = await startRehearsal();
});
afterAll(async () => {
  await rehearsal?.stop();
});

const open = async (overrides: Partial<OpenRollbackWindowInput> = {}) => {
  n += 1;
  const input: OpenRollbackWindowInput = {
    taskToken: `${TASK_TOKEN}-fb-${n}`,
    executionArn: `${EXECUTION_ARN}-fb-${n}`,
    approvers: ['dba@example.com'],
    expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    attempt: 0,
    summary: {
      sourceId: 'orders-db',
      oldBlueId: 'orders-db-old1',
      newEngineVersion: '18.4',
      oldEngineVersion: '17.4',
      catchUpDeadlineSeconds: 300,
    },
    ...overrides,
  };
  const out = await rehearsal.openRollbackWindow(input);
  return { ...out, input, link: out.links[0]! };
};

const callsFor = (token: string) => rehearsal.sfn.calls.filter((c) => c.taskToken === token);
const formOf = (link: string, extra: Record<string, string> = {}) => {
  const url = new URL(link);
  const form = new URLSearchParams(url.searchParams);
  for (const [k, v] of Object.entries(extra)) form.set(k, v);
  return form;
};
const post = (link: string, form = formOf(link)) =>
  fetch(`${new URL(link).origin}${new URL(link).pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });

describe('the signed "Fail back" link', () => {
  it('is e-mailed with the steps and the CLI line; GET shows a page and changes nothing', async () => {
    const { link, input, windowId } = await open();
    expect(link.startsWith(`${rehearsal.server.failBackUrl}/${windowId}?`)).toBe(true);
    const mail = rehearsal.aws.published.find((p) => p.Message.includes(link));
    expect(mail?.Message).toContain('Rename the new primary orders-db to orders-db-failed<N>');
    expect(mail?.Message).toContain(`npx switchyard fail-back ${input.executionArn}`);
    expect(mail?.Message).not.toContain(input.taskToken);
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Fail back orders-db?');
    expect(callsFor(input.taskToken)).toEqual([]);
  });

  it('fails back once on POST; a replay is refused and sends nothing', async () => {
    const { link, input } = await open();
    const first = await post(link, formOf(link, { reason: 'p99 doubled' }));
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Fail-back decided by dba@example.com');
    expect(callsFor(input.taskToken)).toEqual([
      expect.objectContaining({
        operation: 'SendTaskSuccess',
        output: expect.objectContaining({
          decision: 'fail-back',
          by: 'dba@example.com',
          channel: 'email',
          reason: 'p99 doubled',
        }),
      }),
    ]);
    const replay = await post(link);
    expect(replay.status).toBe(409);
    expect(callsFor(input.taskToken)).toHaveLength(1);
  });

  it('refuses a tampered link (approver or signature changed) and sends nothing', async () => {
    const { link, input } = await open();
    const otherApprover = await post(link, formOf(link, { approver: 'mallory@example.com' }));
    expect(otherApprover.status).toBe(403);
    const sig = new URL(link).searchParams.get('sig')!;
    const flipped = `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BA' : 'AA'}`;
    expect((await post(link, formOf(link, { sig: flipped }))).status).toBe(403);
    const later = Number(new URL(link).searchParams.get('expires')) + 3600;
    expect((await post(link, formOf(link, { expires: String(later) }))).status).toBe(403);
    expect(callsFor(input.taskToken)).toEqual([]);
  });

  it('refuses an expired link: the window has ended', async () => {
    const { link, input } = await open({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const page = await fetch(link);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('rollback window is closed');
    expect((await post(link)).status).toBe(410);
    expect(callsFor(input.taskToken)).toEqual([]);
  });

  it("refuses a link for another execution's window, and an approval link presented as a fail-back", async () => {
    const a = await open();
    const b = await open();
    // A's signed parameters on B's window: the signature binds the window id and the execution.
    const swapped = `${rehearsal.server.failBackUrl}/${b.windowId}${new URL(a.link).search}`;
    expect((await post(swapped)).status).toBe(403);
    // An approval link signed with the same key, for the same id and approver, is not a fail-back link.
    const approval = new URL(
      buildLink('https://x.example/approvals', SIGNING_SECRET, {
        approvalId: b.windowId,
        executionArn: b.input.executionArn,
        decision: 'approved',
        approver: 'dba@example.com',
        expiresAt: new Date(b.input.expiresAt),
      }),
    );
    const asFailBack = `${rehearsal.server.failBackUrl}/${b.windowId}${approval.search}`;
    expect((await post(asFailBack)).status).toBe(403);
    expect(callsFor(a.input.taskToken)).toEqual([]);
    expect(callsFor(b.input.taskToken)).toEqual([]);
  });
});

describe('switchyard fail-back', () => {
  const run = async (argv: string[]) => {
    const out: string[] = [];
    const code = await runFailBackCommand(argv, {
      io: { out: (l) => out.push(l), err: (l) => out.push(l) },
    });
    return { code, text: out.join('\n') };
  };

  it('refuses clearly when the execution has no rollback window', async () => {
    const { code, text } = await run([`${EXECUTION_ARN}-never-switched`, '--yes']);
    expect(code).toBe(FailBackExitCode.NotInRollbackWindow);
    expect(text).toContain('is not in its rollback window');
    expect(text).toContain('Nothing was sent');
  });

  it('shows what will happen without --yes, sends nothing; with --yes decides once as the operator', async () => {
    const { input } = await open();
    const preview = await run([input.executionArn]);
    expect(preview.code).toBe(FailBackExitCode.Done);
    expect(preview.text).toContain('A fail-back will:');
    expect(preview.text).toContain('Block writes on the new primary orders-db');
    expect(preview.text).toContain('Nothing was sent');
    expect(callsFor(input.taskToken)).toEqual([]);

    const sent = await run([input.executionArn, '--yes', '--by', 'ops-alice', '--reason', 'errors on 18']);
    expect(sent.code).toBe(FailBackExitCode.Done);
    expect(sent.text).toContain('Fail-back of orders-db sent as ops-alice');
    expect(sent.text).not.toContain(input.taskToken);
    expect(callsFor(input.taskToken)[0]?.output).toMatchObject({
      decision: 'fail-back',
      by: 'ops-alice',
      channel: 'cli',
      reason: 'errors on 18',
    });

    const again = await run([input.executionArn, '--yes']);
    expect(again.code).toBe(FailBackExitCode.AlreadyDecided);
    expect(again.text).toContain('already decided by ops-alice');
    expect(callsFor(input.taskToken)).toHaveLength(1);
  });

  it('refuses after the window ended, and when the execution moved on (token no longer waiting)', async () => {
    const ended = await open({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const late = await run([ended.input.executionArn, '--yes']);
    expect(late.code).toBe(FailBackExitCode.WindowEnded);
    expect(late.text).toContain('rollback window is closed');

    const gone = await open();
    rehearsal.sfn.expire(gone.input.taskToken);
    const moved = await run([gone.input.executionArn, '--yes']);
    expect(moved.code).toBe(FailBackExitCode.ExecutionMovedOn);
    expect(moved.text).toContain('no longer in its rollback window');
  });

  it('refuses a malformed command line with the usage', async () => {
    const { code, text } = await run(['not-an-arn']);
    expect(code).toBe(FailBackExitCode.Usage);
    expect(text).toContain('usage: switchyard fail-back <executionArn>');
  });
});
