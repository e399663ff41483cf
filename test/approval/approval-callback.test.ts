import './support/env.ts';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPROVAL_REJECTED } from '#approval/contracts';
import { buildLink } from '#approval/links';
import { makeApprovalCallbackHandler } from '../../functions/approval-callback.ts';
import { makeRequestApprovalHandler } from '../../functions/request-approval.ts';
import {
  context,
  EXECUTION_ARN,
  requestInput,
  SIGNING_SECRET,
  TASK_TOKEN,
  TOPIC_ARN,
  taskEvent,
} from './support/fixtures.ts';
import {
  actionOf,
  formFromLink,
  type Harness,
  httpEvent,
  setupHarness,
  sfnMock,
  snsMock,
} from './support/harness.ts';

const BASE = 'https://approvals.example.com/approvals';

let h: Harness;
let approvalId: string;
let links: { approve: string[]; reject: string[] };
let callback: ReturnType<typeof makeApprovalCallbackHandler>;

const approveLink = () => links.approve[0] ?? '';
const rejectLink = () => links.reject[0] ?? '';
const get = (url: string) => callback(httpEvent('GET', url), context);
const post = (link: string, extra: Record<string, string> = {}, sourceIp?: string) =>
  callback(
    httpEvent('POST', actionOf(link), { form: formFromLink(link, extra), ...(sourceIp ? { sourceIp } : {}) }),
    context,
  );

/** "The execution untouched": no SendTask* call, the record still pending with its token. */
const expectUntouched = async () => {
  expect(h.sfnCalls()).toBe(0);
  const record = await h.record(approvalId);
  expect(record?.status).toBe('pending');
  expect(record?.taskToken).toBe(TASK_TOKEN);
};

beforeEach(async () => {
  // Prepare: a pending approval, requested through the real handler.
  h = setupHarness();
  const request = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
  ({ approvalId, links } = await request(taskEvent(requestInput()), context));
  callback = makeApprovalCallbackHandler({ ...h.deps, baseUrl: BASE });
  snsMock.resetHistory();
});

afterEach(() => {
  // Whatever happened, the token never reached a log line.
  for (const line of h.lines) expect(line).not.toContain(TASK_TOKEN);
});

describe('approval-callback: the happy paths', () => {
  it('GET shows a confirmation page with the facts and the approver, and decides nothing', async () => {
    // Act
    const res = await get(approveLink());
    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Approve the switchover of orders-db?');
    expect(res.body).toContain('dba@example.com');
    for (const fact of [
      '16.4 → 17.4',
      'orders-pg16 → orders-pg17',
      'db.r6g.large → db.r7g.large',
      'orders-db-green-abc123',
      '2 seconds (OldestReplicationSlotLag)',
      'SUN 02:00–04:00 UTC',
      'PASS: 1 expand statement',
      'ADD COLUMN order_state_v2',
      '2026-01-11T12:00:00.000Z',
    ]) {
      expect(res.body).toContain(fact);
    }
    expect(res.body).toContain(`<form method="post" action="${BASE}/${approvalId}">`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    await expectUntouched();
  });

  it('POST approves: SendTaskSuccess with the audit fields, the token removed, the decision published', async () => {
    // Act
    const res = await post(approveLink(), {}, '203.0.113.9');
    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Approved by dba@example.com');
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.taskToken).toBe(TASK_TOKEN);
    expect(JSON.parse(calls[0]?.args[0].input.output ?? '')).toEqual({
      decision: 'approved',
      by: 'dba@example.com',
      at: '2026-01-11T10:00:00.000Z',
      channel: 'email',
      sourceIp: '203.0.113.9',
      approvalId,
    });
    const record = await h.record(approvalId);
    expect(record?.status).toBe('approved');
    expect(record?.taskToken).toBeUndefined();
    const audit = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(audit?.TopicArn).toBe(TOPIC_ARN);
    expect(audit?.MessageAttributes?.kind?.StringValue).toBe('approval-decision');
    expect(JSON.parse(audit?.Message ?? '')).toMatchObject({
      decision: 'approved',
      by: 'dba@example.com',
      at: '2026-01-11T10:00:00.000Z',
      channel: 'email',
      sourceIp: '203.0.113.9',
      executionArn: EXECUTION_ARN,
    });
  });

  it('POST rejects: SendTaskFailure ApprovalRejected with the reason in the cause, never SendTaskSuccess', async () => {
    // Act
    const res = await post(rejectLink(), { reason: 'Lag spikes during the batch job' });
    // Assess
    expect(res.statusCode).toBe(200);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    const input = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(input?.error).toBe(APPROVAL_REJECTED);
    expect(JSON.parse(input?.cause ?? '')).toEqual({
      decision: 'rejected',
      by: 'dba@example.com',
      at: '2026-01-11T10:00:00.000Z',
      channel: 'email',
      sourceIp: '198.51.100.23',
      approvalId,
      reason: 'Lag spikes during the batch job',
    });
    expect((await h.record(approvalId))?.decided?.reason).toBe('Lag spikes during the batch job');
  });

  it('the second e-mail approver decides with their own links', async () => {
    const res = await post(links.approve[1] ?? '');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '').by).toBe(
      'lead@example.com',
    );
  });
});

describe('approval-callback: attacks are refused and the execution is untouched', () => {
  it('a forged signature (link signed with another key)', async () => {
    const forged = buildLink(BASE, 'attacker-key-0123456789abcdef-0123456789abcdef', {
      approvalId,
      executionArn: EXECUTION_ARN,
      decision: 'approved',
      approver: 'dba@example.com',
      expiresAt: new Date('2026-01-11T12:00:00Z'),
    });
    for (const res of [await get(forged), await post(forged)]) {
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('This link is not valid');
    }
    await expectUntouched();
  });

  it('a tampered decision (the approve link edited to reject, and back)', async () => {
    const flipped = approveLink().replace('decision=approve', 'decision=reject');
    const res = await post(flipped, { reason: 'x' });
    expect(res.statusCode).toBe(403);
    const res2 = await post(rejectLink().replace('decision=reject', 'decision=approve'));
    expect(res2.statusCode).toBe(403);
    await expectUntouched();
  });

  it('a tampered approver or a tampered expiry', async () => {
    const u = new URL(approveLink());
    u.searchParams.set('approver', 'lead@example.com');
    expect((await post(u.toString())).statusCode).toBe(403);
    const v = new URL(approveLink());
    v.searchParams.set('expires', String(Number(v.searchParams.get('expires')) + 3600));
    expect((await post(v.toString())).statusCode).toBe(403);
    await expectUntouched();
  });

  it('an expired link (GET and POST after the deadline)', async () => {
    h.clock.now = new Date('2026-01-11T12:00:00.000Z');
    for (const res of [await get(approveLink()), await post(approveLink())]) {
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain('This link has expired');
    }
    await expectUntouched();
  });

  it('a replayed link (the same POST again, and the reject link after an approval)', async () => {
    expect((await post(approveLink())).statusCode).toBe(200);
    const replay = await post(approveLink());
    expect(replay.statusCode).toBe(409);
    expect(replay.body).toContain('already approved by dba@example.com');
    expect((await post(rejectLink(), { reason: 'too late' })).statusCode).toBe(409);
    expect((await post(links.approve[1] ?? '')).statusCode).toBe(409);
    expect(h.sfnCalls()).toBe(1);
  });

  it('a wrong approver: a validly signed link for an address not on the record', async () => {
    const mallory = buildLink(BASE, SIGNING_SECRET, {
      approvalId,
      executionArn: EXECUTION_ARN,
      decision: 'approved',
      approver: 'mallory@example.com',
      expiresAt: new Date('2026-01-11T12:00:00Z'),
    });
    const res = await post(mallory);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Not an allowed approver');
    await expectUntouched();
  });

  it('a wrong approver: on the record but outside the deployment-wide allow-list', async () => {
    const narrowed = makeApprovalCallbackHandler({
      ...h.deps,
      allowList: ['lead@example.com'],
      baseUrl: BASE,
    });
    const res = await narrowed(
      httpEvent('POST', actionOf(approveLink()), { form: formFromLink(approveLink()) }),
      context,
    );
    expect(res.statusCode).toBe(403);
    await expectUntouched();
  });

  it('GET-only access (a link scanner fetching every link, repeatedly) decides nothing', async () => {
    for (let i = 0; i < 3; i++) {
      for (const link of [...links.approve, ...links.reject]) expect((await get(link)).statusCode).toBe(200);
      await callback(httpEvent('HEAD', approveLink()), context);
    }
    await expectUntouched();
    // …and the real approver can still decide afterwards.
    expect((await post(approveLink())).statusCode).toBe(200);
  });

  it('a decision posted as JSON, or with another method, is refused', async () => {
    const json = httpEvent('POST', actionOf(approveLink()), {
      body: JSON.stringify(formFromLink(approveLink())),
      contentType: 'application/json',
    });
    expect((await callback(json, context)).statusCode).toBe(400);
    expect((await callback(httpEvent('PUT', approveLink()), context)).statusCode).toBe(400);
    await expectUntouched();
  });

  it('an unknown or malformed approval id', async () => {
    expect((await get(approveLink().replace(approvalId, 'AAAAAAAAAAAAAAAAAAAAAA'))).statusCode).toBe(404);
    expect((await get(approveLink().replace(approvalId, '..%2F..%2Fetc'))).statusCode).toBe(404);
    await expectUntouched();
  });
});

describe('approval-callback: the execution already moved on', () => {
  it.each([
    [
      'TaskDoesNotExist',
      () => new TaskDoesNotExist({ message: `Task does not exist: ${TASK_TOKEN}`, $metadata: {} }),
    ],
    ['InvalidToken', () => new InvalidToken({ message: `Invalid Token: '${TASK_TOKEN}'`, $metadata: {} })],
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
  ])('answers %s with a clear 410 page, not a 500, and records it', async (_name, error) => {
    sfnMock.on(SendTaskSuccessCommand).rejects(error());
    const res = await post(approveLink());
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('The deployment has moved on');
    expect(res.body).not.toContain(TASK_TOKEN);
    expect((await h.record(approvalId))?.status).toBe('moved-on');
    expect((await post(approveLink())).statusCode).toBe(410);
  });

  it('puts the approval back to pending after a transient failure, so the approver can retry', async () => {
    const throttled = Object.assign(new Error(`Rate exceeded for ${TASK_TOKEN}`), {
      name: 'ThrottlingException',
    });
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(throttled).resolves({});
    const first = await post(approveLink());
    expect(first.statusCode).toBe(503);
    expect((await h.record(approvalId))?.taskToken).toBe(TASK_TOKEN);
    const second = await post(approveLink());
    expect(second.statusCode).toBe(200);
    expect((await h.record(approvalId))?.status).toBe('approved');
  });
});
