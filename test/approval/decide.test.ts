import { describe, expect, it } from 'vitest';
import { readApprovalConfig } from '#approval/config';
import type { ApprovalRecord } from '#approval/contracts';
import {
  approvalOutput,
  assertApproversAllowed,
  assessAttempt,
  type DecisionAttempt,
  newApprovalRecord,
  RECORD_TTL_GRACE_SECONDS,
  rejectionCause,
} from '#approval/decide';
import {
  ApprovalAlreadyDecidedError,
  ApprovalExpiredError,
  ApproverNotAllowedError,
  ExecutionMovedOnError,
} from '#approval/errors';
import { NOW, requestInput } from './support/fixtures.ts';

const record = (): ApprovalRecord => newApprovalRecord(requestInput(), 'AbCdEfGhIjKlMnOpQrStUv', NOW);
const attempt = (over: Partial<DecisionAttempt> = {}): DecisionAttempt => ({
  decision: 'approved',
  channel: 'email',
  identity: 'dba@example.com',
  sourceIp: '203.0.113.7',
  ...over,
});

describe('newApprovalRecord', () => {
  it('is pending, keeps the token and expires with the approval timeout plus a TTL grace', () => {
    const r = record();
    expect(r.status).toBe('pending');
    expect(r.taskToken).toBe(requestInput().taskToken);
    expect(r.expiresAt).toBe('2026-01-11T12:00:00.000Z');
    expect(r.ttl).toBe(Date.parse('2026-01-11T12:00:00Z') / 1000 + RECORD_TTL_GRACE_SECONDS);
  });
});

describe('assessAttempt', () => {
  it.each([
    ['an e-mail approver', attempt()],
    ['an e-mail approver in another case', attempt({ identity: 'DBA@example.COM' })],
    ['a Slack approver', attempt({ channel: 'slack', identity: 'slack:U0123ABCD' })],
    ['an operator at the CLI (IAM is the authority)', attempt({ channel: 'cli', identity: 'ops-alice' })],
  ])('lets %s decide a pending approval', (_who, a) => {
    const facts = assessAttempt(record(), a, NOW);
    expect(facts).toMatchObject({
      decision: 'approved',
      by: a.identity,
      at: NOW.toISOString(),
      channel: a.channel,
    });
  });

  it.each([
    ['an address not on the record', attempt({ identity: 'mallory@example.com' })],
    ['a Slack user not on the record', attempt({ channel: 'slack', identity: 'slack:U9999EVIL' })],
    ['an e-mail approver who is a Slack id on the record only', attempt({ identity: 'U0123ABCD' })],
  ])('refuses %s', (_who, a) => {
    expect(() => assessAttempt(record(), a, NOW)).toThrow(ApproverNotAllowedError);
  });

  it('refuses an approver on the record but outside the deployment-wide allow-list', () => {
    expect(() => assessAttempt(record(), attempt(), NOW, ['lead@example.com'])).toThrow(
      ApproverNotAllowedError,
    );
    expect(assessAttempt(record(), attempt(), NOW, ['DBA@example.com']).by).toBe('dba@example.com');
  });

  it.each([
    ['approved', ApprovalAlreadyDecidedError],
    ['rejected', ApprovalAlreadyDecidedError],
    ['moved-on', ExecutionMovedOnError],
  ] as const)('refuses a record that is %s', (status, error) => {
    const r = { ...record(), status };
    expect(() => assessAttempt(r, attempt(), NOW)).toThrow(error);
  });

  it.each([
    ['at the deadline', '2026-01-11T12:00:00.000Z', false],
    ['after the deadline', '2026-01-11T12:00:01.000Z', false],
    ['just before', '2026-01-11T11:59:59.999Z', true],
  ])('checks the deadline %s', (_when, now, ok) => {
    const act = () => assessAttempt(record(), attempt(), new Date(now));
    if (ok) expect(act).not.toThrow();
    else expect(act).toThrow(ApprovalExpiredError);
  });

  it('keeps a trimmed, bounded reason on reject and supplies one when none is given', () => {
    const long = assessAttempt(
      record(),
      attempt({ decision: 'rejected', reason: `  ${'x'.repeat(2000)} ` }),
      NOW,
    );
    expect(long.reason).toHaveLength(1000);
    const none = assessAttempt(record(), attempt({ decision: 'rejected', reason: '   ' }), NOW);
    expect(none.reason).toBe('Rejected by dba@example.com via email (no reason given)');
    expect(assessAttempt(record(), attempt(), NOW).reason).toBeUndefined();
  });
});

describe('task results', () => {
  it('builds the SendTaskSuccess output and the SendTaskFailure cause of the contract', () => {
    const facts = assessAttempt(record(), attempt(), NOW);
    expect(approvalOutput('id1', facts)).toEqual({
      decision: 'approved',
      by: 'dba@example.com',
      at: NOW.toISOString(),
      channel: 'email',
      sourceIp: '203.0.113.7',
      approvalId: 'id1',
    });
    const rejected = assessAttempt(record(), attempt({ decision: 'rejected', reason: 'lag too high' }), NOW);
    expect(rejectionCause('id1', rejected)).toEqual({
      decision: 'rejected',
      by: 'dba@example.com',
      at: NOW.toISOString(),
      channel: 'email',
      sourceIp: '203.0.113.7',
      approvalId: 'id1',
      reason: 'lag too high',
    });
  });
});

describe('assertApproversAllowed', () => {
  it('accepts everything without an allow-list and names the first outsider with one', () => {
    expect(() => assertApproversAllowed(['a@x.io'])).not.toThrow();
    expect(() => assertApproversAllowed(['a@x.io', 'b@x.io'], ['A@x.io'])).toThrow('b@x.io');
  });
});

describe('readApprovalConfig', () => {
  const env = {
    APPROVAL_TABLE: 't',
    APPROVAL_BASE_URL: 'https://x/approvals',
    APPROVAL_SECRET_PARAMETER: '/p',
    NOTIFY_TOPIC_ARN: 'arn:t',
  };

  it('names the missing variable', () => {
    expect(() => readApprovalConfig({ ...env, APPROVAL_TABLE: '' }, {})).toThrow('APPROVAL_TABLE');
    expect(() => readApprovalConfig({ ...env, NOTIFY_TOPIC_ARN: undefined }, { topic: true })).toThrow(
      'NOTIFY_TOPIC_ARN',
    );
    expect(() => readApprovalConfig(env, { slackSigningSecret: true })).toThrow(
      'SLACK_SIGNING_SECRET_PARAMETER',
    );
  });

  it.each([
    [{}, undefined],
    [{ SLACK_WEBHOOK_PARAMETER: '/w' }, { mode: 'webhook', webhookParameter: '/w' }],
    [
      { SLACK_BOT_TOKEN_PARAMETER: '/b', SLACK_CHANNEL: 'C1' },
      { mode: 'bot', botTokenParameter: '/b', channel: 'C1' },
    ],
    [{ SLACK_BOT_TOKEN_PARAMETER: '/b', SLACK_CHANNEL: '' }, undefined],
    [
      { SLACK_BOT_TOKEN_PARAMETER: '/b', SLACK_CHANNEL: '', SLACK_WEBHOOK_PARAMETER: '/w' },
      { mode: 'webhook', webhookParameter: '/w' },
    ],
  ])('reads the Slack target from %j', (slack, expected) => {
    expect(readApprovalConfig({ ...env, ...slack }, {}).slack).toEqual(expected);
  });

  it('reads the allow-list and the rehearsal link logging switch', () => {
    const c = readApprovalConfig(
      { ...env, APPROVER_ALLOW_LIST: ' a@x.io, slack:U1AAA ,', APPROVAL_LOG_LINKS: 'true' },
      {},
    );
    expect(c.allowList).toEqual(['a@x.io', 'slack:U1AAA']);
    expect(c.logLinks).toBe(true);
  });
});
