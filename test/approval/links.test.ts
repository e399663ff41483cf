import { describe, expect, it } from 'vitest';
import { ApprovalExpiredError, InvalidLinkSignatureError } from '#approval/errors';
import {
  buildLink,
  deriveApprovalId,
  type LinkBinding,
  parseSigningKeys,
  readLinkParams,
  signLink,
  verifyLink,
} from '#approval/links';
import { EXECUTION_ARN, NOW, SIGNING_SECRET, TASK_TOKEN } from './support/fixtures.ts';

const KEY = SIGNING_SECRET;
const OTHER_KEY = 'another-signing-key-fedcba9876543210-fedcba9876543210';
const BASE = 'https://approvals.example.com/prod/approvals';
const binding: LinkBinding = {
  approvalId: 'AbCdEfGhIjKlMnOpQrStUv',
  executionArn: EXECUTION_ARN,
  decision: 'approved',
  approver: 'dba@example.com',
  expiresAt: new Date('2026-01-11T12:00:00Z'),
};
const record = { approvalId: binding.approvalId, executionArn: EXECUTION_ARN };

const paramsOf = (url: string) => {
  const u = new URL(url);
  return readLinkParams((k) => u.searchParams.get(k));
};

describe('signed links', () => {
  it('verifies a link it built and returns its decision and approver', () => {
    // Prepare
    const link = buildLink(BASE, KEY, binding);
    // Act
    const verified = verifyLink([KEY], record, paramsOf(link), NOW);
    // Assess
    expect(verified).toEqual({ decision: 'approved', approver: 'dba@example.com' });
    expect(link.startsWith(`${BASE}/${binding.approvalId}?`)).toBe(true);
  });

  it('never puts the task token in the link, and the approval id does not reveal it', () => {
    const approvalId = deriveApprovalId(KEY, TASK_TOKEN);
    const link = buildLink(BASE, KEY, { ...binding, approvalId });
    expect(link).not.toContain(TASK_TOKEN);
    expect(link).not.toContain(TASK_TOKEN.slice(0, 24));
    expect(approvalId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(deriveApprovalId(KEY, TASK_TOKEN)).toBe(approvalId);
    expect(deriveApprovalId(OTHER_KEY, TASK_TOKEN)).not.toBe(approvalId);
    expect(deriveApprovalId(KEY, `${TASK_TOKEN}x`)).not.toBe(approvalId);
  });

  it.each([
    ['the decision', (u: URL) => u.searchParams.set('decision', 'reject')],
    ['the approver', (u: URL) => u.searchParams.set('approver', 'mallory@example.com')],
    [
      'the expiry',
      (u: URL) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 86400)),
    ],
    [
      'the signature (one character)',
      (u: URL) => {
        const s = u.searchParams.get('sig') ?? '';
        u.searchParams.set('sig', `${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`);
      },
    ],
    ['the signature (re-padded)', (u: URL) => u.searchParams.set('sig', `${u.searchParams.get('sig')}=`)],
    [
      'the signature (truncated)',
      (u: URL) => u.searchParams.set('sig', (u.searchParams.get('sig') ?? '').slice(0, 20)),
    ],
  ])('refuses a link whose %s was tampered with', (_what, tamper) => {
    // Prepare
    const url = new URL(buildLink(BASE, KEY, binding));
    tamper(url);
    // Act / Assess
    expect(() => verifyLink([KEY], record, paramsOf(url.toString()), NOW)).toThrow(InvalidLinkSignatureError);
  });

  it.each([
    ['another execution', { ...record, executionArn: `${EXECUTION_ARN}-2` }],
    ['another approval', { ...record, approvalId: 'ZZCdEfGhIjKlMnOpQrStUv' }],
  ])('refuses a link replayed against %s', (_what, other) => {
    const params = paramsOf(buildLink(BASE, KEY, binding));
    expect(() => verifyLink([KEY], other, params, NOW)).toThrow(InvalidLinkSignatureError);
  });

  it('refuses a link signed with another key (a forgery)', () => {
    const params = paramsOf(buildLink(BASE, OTHER_KEY, binding));
    expect(() => verifyLink([KEY], record, params, NOW)).toThrow(InvalidLinkSignatureError);
  });

  it('accepts links signed with a previous key listed after the current one (rotation)', () => {
    const params = paramsOf(buildLink(BASE, OTHER_KEY, binding));
    expect(verifyLink(parseSigningKeys(`${KEY}\n${OTHER_KEY}`), record, params, NOW).decision).toBe(
      'approved',
    );
  });

  it.each([
    ['one second before the deadline', '2026-01-11T11:59:59Z', true],
    ['at the deadline', '2026-01-11T12:00:00Z', false],
    ['after the deadline', '2026-01-12T00:00:00Z', false],
  ])('checks expiry %s', (_when, now, valid) => {
    const params = paramsOf(buildLink(BASE, KEY, binding));
    const act = () => verifyLink([KEY], record, params, new Date(now));
    if (valid) expect(act()).toBeDefined();
    else expect(act).toThrow(ApprovalExpiredError);
  });

  it('reports a forged expired link as forged, not expired', () => {
    const url = new URL(buildLink(BASE, OTHER_KEY, binding));
    expect(() =>
      verifyLink([KEY], record, paramsOf(url.toString()), new Date('2027-01-01T00:00:00Z')),
    ).toThrow(InvalidLinkSignatureError);
  });

  it('treats the approver e-mail case-insensitively', () => {
    const url = new URL(buildLink(BASE, KEY, binding));
    url.searchParams.set('approver', 'DBA@Example.com');
    expect(verifyLink([KEY], record, paramsOf(url.toString()), NOW).approver).toBe('DBA@Example.com');
  });

  it.each([
    [{}],
    [{ decision: 'approve', approver: 'a@b.c', expires: '1', sig: '' }],
    [{ decision: 'maybe', approver: 'a@b.c', expires: '1', sig: 'x' }],
    [{ decision: 'approve', approver: 'a@b.c', expires: 'soon', sig: 'x' }],
  ])('refuses malformed parameters %j', (params) => {
    const p = params as Record<string, string>;
    expect(() => readLinkParams((k) => p[k])).toThrow(InvalidLinkSignatureError);
  });

  it('requires keys of at least 32 characters', () => {
    expect(() => parseSigningKeys('short')).toThrow(/at least 32/);
    expect(() => parseSigningKeys('  ')).toThrow(/at least 32/);
    expect(parseSigningKeys(`${KEY}, ${OTHER_KEY}`)).toEqual([KEY, OTHER_KEY]);
  });

  it('signs deterministically', () => {
    expect(signLink(KEY, binding)).toBe(signLink(KEY, { ...binding }));
    expect(signLink(KEY, binding)).not.toBe(signLink(KEY, { ...binding, decision: 'rejected' }));
  });
});
