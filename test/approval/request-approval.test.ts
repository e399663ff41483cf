import './support/env.ts';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApproverNotAllowedError, ContractViolationError } from '#approval/errors';
import { makeLogger } from '#approval/log';
import { makeApprovalCallbackHandler } from '../../functions/approval-callback.ts';
import { makeRequestApprovalHandler } from '../../functions/request-approval.ts';
import {
  context,
  EXECUTION_ARN,
  requestInput,
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

beforeEach(() => {
  h = setupHarness();
});

describe('request-approval', () => {
  it('stores the record with the token, e-mails each approver only their links, and returns the links', async () => {
    // Prepare
    const handler = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
    // Act
    const out = await handler(taskEvent(requestInput()), context);
    // Assess
    expect(out.approvalId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(out.links.approve).toHaveLength(2);
    expect(out.links.reject).toHaveLength(2);
    const record = await h.record(out.approvalId);
    expect(record).toMatchObject({ status: 'pending', executionArn: EXECUTION_ARN, taskToken: TASK_TOKEN });
    const mails = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(mails).toHaveLength(2);
    for (const [i, approver] of ['dba@example.com', 'lead@example.com'].entries()) {
      const mail = mails[i];
      expect(mail?.TopicArn).toBe(TOPIC_ARN);
      expect(mail?.MessageAttributes?.approver?.StringValue).toBe(approver);
      expect(mail?.MessageAttributes?.kind?.StringValue).toBe('approval-request');
      expect(mail?.Subject).toBe('Switchyard: approve switchover of orders-db to 17.4?');
      expect(mail?.Message).toContain(out.links.approve[i]);
      expect(mail?.Message).toContain(out.links.reject[i]);
      expect(mail?.Message).not.toContain(out.links.approve[1 - i]);
      for (const fact of [
        'orders-db',
        '16.4 → 17.4',
        'orders-db-green-abc123',
        '2 seconds',
        'SUN 02:00–04:00 UTC',
        'PASS',
        'ALTER TABLE orders ADD COLUMN',
        '2026-01-11T12:00:00.000Z',
      ]) {
        expect(mail?.Message).toContain(fact);
      }
    }
  });

  it('is idempotent for a retried invocation: same approval id, the stored record kept', async () => {
    const handler = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
    const first = await handler(taskEvent(requestInput()), context);
    const second = await handler(taskEvent(requestInput({ expiresAt: '2026-01-12T00:00:00.000Z' })), context);
    expect(second.approvalId).toBe(first.approvalId);
    expect((await h.record(first.approvalId))?.expiresAt).toBe('2026-01-11T12:00:00.000Z');
    expect(second.links).toEqual(first.links);
  });

  it('gives another approval id to another token (a retried state gets a new token)', async () => {
    const handler = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
    const a = await handler(taskEvent(requestInput()), context);
    const b = await handler(taskEvent(requestInput({ taskToken: `${TASK_TOKEN}-2` })), context);
    expect(b.approvalId).not.toBe(a.approvalId);
  });

  it.each([
    ['no approvers', { approvers: [] }],
    ['a malformed approver', { approvers: ['not-an-address'] }],
    ['a malformed Slack id', { approvers: ['slack:bob'] }],
    ['a bad deadline', { expiresAt: 'tomorrow' }],
    ['an unknown field', { extra: 1 }],
  ])('refuses %s with a ContractViolationError that does not quote the token', async (_what, change) => {
    const handler = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
    const err = await handler(taskEvent({ ...requestInput(), ...change }), context).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContractViolationError);
    expect((err as Error).message).not.toContain(TASK_TOKEN);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('refuses approvers outside the deployment-wide allow-list before storing anything', async () => {
    const handler = makeRequestApprovalHandler({
      ...h.deps,
      allowList: ['dba@example.com', 'slack:U0123ABCD'],
      baseUrl: BASE,
      logLinks: false,
    });
    await expect(handler(taskEvent(requestInput()), context)).rejects.toThrow(ApproverNotAllowedError);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('refuses Slack-only approvers when Slack is not configured (nobody would be asked)', async () => {
    const handler = makeRequestApprovalHandler({
      ...h.deps,
      slack: undefined,
      baseUrl: BASE,
      logLinks: false,
    });
    await expect(
      handler(taskEvent(requestInput({ approvers: ['slack:U0123ABCD'] })), context),
    ).rejects.toThrow(ContractViolationError);
  });

  it('refuses a migration statement whose text is not the one Preflight checked', async () => {
    // Prepare: the reference says one statement, the input document now holds another.
    const event = taskEvent(requestInput());
    const tampered = {
      ...event,
      document: { migrations: { expand: ['ALTER TABLE orders DROP COLUMN legacy;'] } },
    };
    const handler = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
    // Act
    const err = await handler(tampered, context).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(ContractViolationError);
    expect((err as Error).message).toContain('migrations.expand[0] is not the statement Preflight checked');
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('e-mails the statement text read from the input document', async () => {
    const handler = makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false });
    await handler(taskEvent(requestInput()), context);
    const message = String(snsMock.commandCalls(PublishCommand)[0]?.args[0].input.Message);
    expect(message).toContain('ALTER TABLE orders ADD COLUMN order_state_v2 text;');
  });

  it('logs the links only when APPROVAL_LOG_LINKS is set (the rehearsal), never the token', async () => {
    const quiet = await makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: false })(
      taskEvent(requestInput()),
      context,
    );
    expect(h.lines.join('\n')).not.toContain(quiet.links.approve[0]);
    const loud = await makeRequestApprovalHandler({ ...h.deps, baseUrl: BASE, logLinks: true })(
      taskEvent(requestInput({ taskToken: `${TASK_TOKEN}-2` })),
      context,
    );
    expect(h.lines.join('\n')).toContain(JSON.stringify(loud.links.approve[0]).slice(1, -1));
    expect(h.lines.join('\n')).not.toContain(TASK_TOKEN);
  });
});

describe('the task token stays secret through a full flow', () => {
  const captured: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    captured.length = 0;
  });

  it('appears in no log line, no URL, no page, no notification, no error', async () => {
    // Prepare: capture everything written to the console and to stdout/stderr.
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      vi.spyOn(console, method).mockImplementation(
        (...args: unknown[]) => void captured.push(args.map(String).join(' ')),
      );
    }
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        captured.push(String(chunk));
        return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write);
    }
    const deps = { ...h.deps, log: makeLogger() };
    const request = makeRequestApprovalHandler({ ...deps, baseUrl: BASE, logLinks: true });
    const callback = makeApprovalCallbackHandler({ ...deps, baseUrl: BASE });
    const pages: string[] = [];

    // Act: request, a scanner GET, a forged POST, a tampered POST, the real approval, a replay, a late SFN error.
    const { links } = await request(taskEvent(requestInput()), context);
    const link = links.approve[0] ?? '';
    const post = async (l: string) => {
      const res = await callback(httpEvent('POST', actionOf(l), { form: formFromLink(l) }), context);
      pages.push(res.body, JSON.stringify(res.headers));
      return res;
    };
    pages.push((await callback(httpEvent('GET', link), context)).body);
    await post(link.replace(/sig=[^&]+/, 'sig=AAAA'));
    await post(link.replace('decision=approve', 'decision=reject'));
    await post(link);
    await post(link);
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error(`Invalid Token: '${TASK_TOKEN}'`), { name: 'InvalidToken' }));
    await request(taskEvent(requestInput({ taskToken: `${TASK_TOKEN}-late` })), context).then((o) =>
      post(o.links.approve[0] ?? ''),
    );

    // Assess
    expect(captured.length).toBeGreaterThan(3);
    const everything = [
      ...captured,
      ...h.lines,
      ...pages,
      ...links.approve,
      ...links.reject,
      ...snsMock.commandCalls(PublishCommand).map((c) => JSON.stringify(c.args[0].input)),
    ];
    for (const text of everything) {
      expect(text).not.toContain(TASK_TOKEN);
      expect(text).not.toContain(TASK_TOKEN.slice(0, 40));
    }
  });
});
