/**
 * The rollback window's Slack "Fail back" button: posted with the window, decided through the same
 * service as the link and the CLI (signature-verified request, approver check, single use), the
 * message replaced with the decision, refusals answered only to the clicker.
 */
import './support/env.ts';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readApprovalConfig } from '#approval/config';
import type { FailBackDeps } from '#approval/fail-back-service';
import type { HttpApiEvent } from '#approval/http';
import { makeLogger } from '#approval/log';
import { signSlackRequest } from '#approval/slack-signature';
import { buildFailBackDeps } from '#approval/wiring';
import { readParameter } from '#aws/parameters';
import { makeSlackGateway } from '#aws/slack';
import { makeOpenRollbackWindowHandler } from '../../functions/open-rollback-window.ts';
import { makeSlackInteractionsHandler } from '../../functions/slack-interactions.ts';
import { context, EXECUTION_ARN, SLACK_SIGNING_SECRET, TASK_TOKEN } from './support/fixtures.ts';
import { type Harness, setupHarness, sfnMock, ssmMock } from './support/harness.ts';
import { startSlackStandIn } from './support/slack-standin.ts';

let slack: Awaited<ReturnType<typeof startSlackStandIn>>;
let h: Harness;
let windowId: string;
let interactions: ReturnType<typeof makeSlackInteractionsHandler>;

beforeAll(async () => {
  slack = await startSlackStandIn();
});
afterAll(async () => {
  await slack?.stop();
});

beforeEach(async () => {
  // Prepare: a window opened through the real handler, with a Slack approver and the webhook configured.
  h = setupHarness();
  ssmMock.on(GetParameterCommand, { Name: '/switchyard/slack/webhook-url' }).resolves({
    Parameter: { Value: `${slack.url}/services/T000/B000/XXXX` },
  });
  slack.calls.length = 0;
  const gateway = makeSlackGateway({
    target: { mode: 'webhook', webhookParameter: '/switchyard/slack/webhook-url' },
    apiUrl: `${slack.url}/api`,
    readParameter,
  });
  const failBack: FailBackDeps = {
    ...buildFailBackDeps(readApprovalConfig(process.env, {})),
    slack: gateway,
    log: makeLogger({ log: () => undefined, warn: () => undefined, error: () => undefined }),
    now: () => h.clock.now,
  };
  const opened = await makeOpenRollbackWindowHandler({
    ...failBack,
    baseUrl: 'https://approvals.example.com/fail-back',
    logLinks: false,
  })(
    {
      taskToken: TASK_TOKEN,
      executionArn: EXECUTION_ARN,
      approvers: ['dba@example.com', 'slack:U0123ABCD'],
      expiresAt: '2026-01-11T12:00:00.000Z',
      attempt: 0,
      summary: {
        sourceId: 'orders-db',
        oldBlueId: 'orders-db-old1',
        newEngineVersion: '18.4',
        oldEngineVersion: '17.4',
        catchUpDeadlineSeconds: 120,
      },
    },
    context,
  );
  windowId = opened.windowId;
  interactions = makeSlackInteractionsHandler({
    ...h.deps,
    slack: gateway,
    signingSecret: async () => SLACK_SIGNING_SECRET,
    failBack,
  });
});

const click = (userId: string, secret = SLACK_SIGNING_SECRET): HttpApiEvent => {
  const payload = {
    type: 'block_actions',
    user: { id: userId },
    response_url: `${slack.url}/actions/T000/1/abc`,
    actions: [{ action_id: 'fail-back', value: windowId, type: 'button' }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = String(Math.floor(h.clock.now.getTime() / 1000));
  return {
    rawPath: '/slack/interactions',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': ts,
      'x-slack-signature': signSlackRequest(secret, ts, body),
    },
    body,
    requestContext: { http: { method: 'POST', sourceIp: '3.4.5.6' } },
  };
};
const responses = () => slack.calls.filter((c) => c.path.startsWith('/actions/'));
const successes = () =>
  sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => JSON.parse(c.args[0].input.output!));

describe('the Slack "Fail back" button', () => {
  it('is posted with the window: the steps and one button carrying the window id, never the token', async () => {
    const post = slack.calls.find((c) => c.path === '/services/T000/B000/XXXX');
    const text = JSON.stringify(post?.body);
    expect(text).toContain('Rollback window: orders-db');
    expect(text).toContain('"action_id":"fail-back"');
    expect(text).toContain(`"value":"${windowId}"`);
    expect(text).not.toContain(TASK_TOKEN);
  });

  it('fails back once for an approver, replacing the message; a second click is refused to the clicker only', async () => {
    expect((await interactions(click('U0123ABCD'), context)).statusCode).toBe(200);
    expect(successes()).toEqual([
      expect.objectContaining({ decision: 'fail-back', by: 'slack:U0123ABCD', channel: 'slack', windowId }),
    ]);
    expect(responses()[0]?.body).toMatchObject({ replace_original: true });
    expect(JSON.stringify(responses()[0]?.body)).toContain('Fail-back decided by slack:U0123ABCD');

    await interactions(click('U0123ABCD'), context);
    expect(successes()).toHaveLength(1);
    expect(responses()[1]?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(responses()[1]?.body)).toContain('already decided');
  });

  it('refuses a user who is not an approver, and a request with a bad signature; nothing sent', async () => {
    await interactions(click('U9999ZZZZ'), context);
    expect(JSON.stringify(responses()[0]?.body)).toContain('U9999ZZZZ is not an allowed approver');
    const forged = await interactions(click('U0123ABCD', 'not-the-slack-signing-secret-0123456789'), context);
    expect(forged.statusCode).toBe(401);
    expect(successes()).toEqual([]);
  });
});
