import './support/env.ts';
import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackTarget } from '#approval/config';
import type { HttpApiEvent } from '#approval/http';
import { signSlackRequest } from '#approval/slack-signature';
import { readParameter } from '#aws/parameters';
import { makeSlackGateway } from '#aws/slack';
import { makeApprovalCallbackHandler } from '../../functions/approval-callback.ts';
import { makeRequestApprovalHandler } from '../../functions/request-approval.ts';
import { makeSlackInteractionsHandler } from '../../functions/slack-interactions.ts';
import { context, requestInput, SLACK_SIGNING_SECRET, TASK_TOKEN, taskEvent } from './support/fixtures.ts';
import {
  actionOf,
  formFromLink,
  type Harness,
  httpEvent,
  setupHarness,
  sfnMock,
  ssmMock,
} from './support/harness.ts';
import { type SlackCall, startSlackStandIn } from './support/slack-standin.ts';

const BASE = 'https://approvals.example.com/approvals';
let slackServer: Awaited<ReturnType<typeof startSlackStandIn>>;
let h: Harness;
let calls: SlackCall[];

beforeAll(async () => {
  slackServer = await startSlackStandIn();
});
afterAll(async () => {
  await slackServer?.stop();
});

const gateway = (target: SlackTarget | undefined) =>
  makeSlackGateway({ target, apiUrl: `${slackServer.url}/api`, readParameter });

const setup = async (
  target: SlackTarget | undefined = { mode: 'webhook', webhookParameter: '/switchyard/slack/webhook-url' },
) => {
  h = setupHarness();
  ssmMock.on(GetParameterCommand, { Name: '/switchyard/slack/webhook-url' }).resolves({
    Parameter: { Value: `${slackServer.url}/services/T000/B000/XXXX` },
  });
  ssmMock
    .on(GetParameterCommand, { Name: '/switchyard/slack/bot-token' })
    .resolves({ Parameter: { Value: 'xoxb-1-secret' } });
  slackServer.calls.length = 0;
  calls = slackServer.calls;
  const deps = { ...h.deps, slack: gateway(target) };
  const out = await makeRequestApprovalHandler({ ...deps, baseUrl: BASE, logLinks: false })(
    taskEvent(requestInput()),
    context,
  );
  const interactions = makeSlackInteractionsHandler({
    ...deps,
    signingSecret: async () => SLACK_SIGNING_SECRET,
  });
  return { ...out, deps, interactions };
};

const interaction = (
  approvalId: string,
  options: {
    action?: string;
    userId?: string;
    timestamp?: number;
    secret?: string;
    base64?: boolean;
    type?: string;
  } = {},
): HttpApiEvent => {
  const payload = {
    type: options.type ?? 'block_actions',
    user: { id: options.userId ?? 'U0123ABCD', username: 'dba' },
    response_url: `${slackServer.url}/actions/T000/1/abc`,
    actions: [{ action_id: options.action ?? 'approve', value: approvalId, type: 'button' }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(options.timestamp ?? Math.floor(h.clock.now.getTime() / 1000));
  return {
    rawPath: '/slack/interactions',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(options.secret ?? SLACK_SIGNING_SECRET, ts, body),
    },
    body: options.base64 === false ? body : Buffer.from(body).toString('base64'),
    isBase64Encoded: options.base64 !== false,
    requestContext: { http: { method: 'POST', sourceIp: '3.4.5.6' } },
  };
};

const untouched = async (approvalId: string) => {
  expect(h.sfnCalls()).toBe(0);
  expect((await h.record(approvalId))?.status).toBe('pending');
  expect((await h.record(approvalId))?.taskToken).toBe(TASK_TOKEN);
};
const responses = () => calls.filter((c) => c.path.startsWith('/actions/'));

describe('request-approval posts the Slack message', () => {
  it('through the incoming webhook: Block Kit with the facts and Approve/Reject buttons', async () => {
    const { approvalId } = await setup();
    const post = calls.find((c) => c.path === '/services/T000/B000/XXXX');
    const text = JSON.stringify(post?.body);
    for (const fact of [
      'orders-db',
      '16.4 → 17.4',
      'orders-db-green-abc123',
      '2 seconds',
      'SUN 02:00–04:00 UTC',
      'PASS',
      '<@U0123ABCD>',
    ]) {
      expect(text).toContain(fact);
    }
    const blocks = (post?.body.blocks ?? []) as Array<{
      type: string;
      elements?: Array<{ action_id: string; value: string }>;
    }>;
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => [e.action_id, e.value])).toEqual([
      ['approve', approvalId],
      ['reject', approvalId],
    ]);
    expect(text).not.toContain(TASK_TOKEN);
  });

  it('with a bot token: chat.postMessage to the channel, and the message updated after an e-mail decision', async () => {
    const { approvalId, links, deps } = await setup({
      mode: 'bot',
      botTokenParameter: '/switchyard/slack/bot-token',
      channel: 'C0APPROVALS',
    });
    const post = calls.find((c) => c.path === '/api/chat.postMessage');
    expect(post?.authorization).toBe('Bearer xoxb-1-secret');
    expect(post?.body.channel).toBe('C0APPROVALS');
    expect((await h.record(approvalId))?.slackMessage).toEqual({
      channel: 'C0APPROVALS',
      ts: '1768125600.000100',
    });
    const link = links.approve[0] ?? '';
    await makeApprovalCallbackHandler({ ...deps, baseUrl: BASE })(
      httpEvent('POST', actionOf(link), { form: formFromLink(link) }),
      context,
    );
    const update = calls.find((c) => c.path === '/api/chat.update');
    expect(update?.body).toMatchObject({ channel: 'C0APPROVALS', ts: '1768125600.000100' });
    expect(JSON.stringify(update?.body)).toContain('Approved by dba@example.com via email');
  });
});

describe('slack-interactions', () => {
  it('an allowed Slack user approves: SendTaskSuccess by slack:<id>, the message replaced with the decision', async () => {
    const { approvalId, interactions } = await setup();
    const res = await interactions(interaction(approvalId), context);
    expect(res.statusCode).toBe(200);
    const output = JSON.parse(sfnMock.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '');
    expect(output).toMatchObject({
      decision: 'approved',
      by: 'slack:U0123ABCD',
      channel: 'slack',
      sourceIp: '3.4.5.6',
      approvalId,
    });
    expect(responses()[0]?.body).toMatchObject({ replace_original: true });
    expect(JSON.stringify(responses()[0]?.body)).toContain('Approved by slack:U0123ABCD via slack');
    expect(JSON.stringify(responses()[0]?.body)).not.toContain('"actions"');
  });

  it('an allowed Slack user rejects: SendTaskFailure ApprovalRejected', async () => {
    const { approvalId, interactions } = await setup();
    await interactions(interaction(approvalId, { action: 'reject', base64: false }), context);
    const input = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
    expect(input?.error).toBe('ApprovalRejected');
    expect(JSON.parse(input?.cause ?? '')).toMatchObject({
      decision: 'rejected',
      by: 'slack:U0123ABCD',
      channel: 'slack',
    });
  });

  it('refuses a bad signature (401), deciding nothing and answering nothing', async () => {
    const { approvalId, interactions } = await setup();
    const res = await interactions(interaction(approvalId, { secret: 'not-the-signing-secret' }), context);
    expect(res.statusCode).toBe(401);
    await untouched(approvalId);
    expect(responses()).toHaveLength(0);
  });

  it('refuses a body altered after signing (e.g. the action flipped)', async () => {
    const { approvalId, interactions } = await setup();
    const event = interaction(approvalId, { base64: false });
    event.body = (event.body ?? '').replace('approve', 'reject');
    expect((await interactions(event, context)).statusCode).toBe(401);
    await untouched(approvalId);
  });

  it('refuses a stale timestamp (a correctly signed request replayed 6 minutes later)', async () => {
    const { approvalId, interactions } = await setup();
    const old = Math.floor(h.clock.now.getTime() / 1000) - 6 * 60;
    const res = await interactions(interaction(approvalId, { timestamp: old }), context);
    expect(res.statusCode).toBe(401);
    await untouched(approvalId);
  });

  it('refuses a Slack user who is not an approver, telling only them', async () => {
    const { approvalId, interactions } = await setup();
    const res = await interactions(interaction(approvalId, { userId: 'U9999EVIL' }), context);
    expect(res.statusCode).toBe(200);
    await untouched(approvalId);
    expect(responses()[0]?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(responses()[0]?.body)).toContain('slack:U9999EVIL is not an allowed approver');
  });

  it('a replay within the window decides nothing more', async () => {
    const { approvalId, interactions } = await setup();
    const event = interaction(approvalId);
    await interactions(event, context);
    await interactions(structuredClone(event), context);
    expect(h.sfnCalls()).toBe(1);
    expect(JSON.stringify(responses()[1]?.body)).toContain('already approved by slack:U0123ABCD');
  });

  it('refuses a click after the deadline', async () => {
    const { approvalId, interactions } = await setup();
    h.clock.now = new Date('2026-01-11T12:00:00.000Z');
    await interactions(interaction(approvalId), context);
    await untouched(approvalId);
    expect(JSON.stringify(responses()[0]?.body)).toContain('expired');
  });

  it('acknowledges and ignores other interaction types', async () => {
    const { approvalId, interactions } = await setup();
    expect(
      (await interactions(interaction(approvalId, { type: 'view_submission' }), context)).statusCode,
    ).toBe(200);
    expect((await interactions(interaction(approvalId, { action: 'other' }), context)).statusCode).toBe(200);
    await untouched(approvalId);
  });
});
