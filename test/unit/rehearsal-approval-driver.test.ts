/** The rehearsal's approver (rehearsal/approval-driver.ts): which link it opens, and a failed click reported, not thrown. */
import { describe, expect, it } from 'vitest';
import type { SnsMessage } from '../../emulator/index.ts';
import {
  type ApprovalEvent,
  actAsApprover,
  approvalLinks,
  approverAction,
} from '../../rehearsal/approval-driver.ts';

const outbox: SnsMessage[] = [
  {
    topicArn: 'arn:aws:sns:us-east-1:123456789012:switchyard-approvals',
    messageAttributes: {},
    at: '2026-11-29T23:00:00.000Z',
    messageId: 'm-1',
    subject: 'Approve orders-db',
    message:
      'Approve: http://127.0.0.1:1/approvals/ap-1?d=approve\nReject: http://127.0.0.1:1/approvals/ap-1?d=reject',
  },
];

describe('the rehearsal approver', () => {
  it('finds the links of the approval e-mail, and names the approval when it is not in the outbox', () => {
    expect(approvalLinks(outbox, 'ap-1')).toMatchObject({
      approve: 'http://127.0.0.1:1/approvals/ap-1?d=approve',
      reject: 'http://127.0.0.1:1/approvals/ap-1?d=reject',
      messageId: 'm-1',
    });
    expect(() => approvalLinks(outbox, 'ap-2')).toThrow(
      'the approval e-mail for ap-2 is not in the SNS outbox',
    );
  });

  it('approves only with --auto-approve; reject and ignore act regardless', () => {
    expect(approverAction('approve', false)).toBe('human');
    expect(approverAction('approve', true)).toBe('approve');
    expect(approverAction('reject', false)).toBe('reject');
    expect(approverAction('ignore', true)).toBe('ignore');
  });

  it('leaves the links alone when ignoring; a click that fails goes to onClickError', async () => {
    // Prepare
    const links = approvalLinks(outbox, 'ap-1');
    const events: ApprovalEvent[] = [];
    const errors: string[] = [];
    // Act: nothing listens on port 1, so the rejecting click fails.
    actAsApprover(
      links,
      'ignore',
      (e) => events.push(e),
      (m) => errors.push(m),
    );
    const failed = new Promise<void>((resolve) =>
      actAsApprover(
        links,
        'reject',
        (e) => events.push(e),
        (m) => {
          errors.push(m);
          resolve();
        },
      ),
    );
    await failed;
    // Assess
    expect(events.map((e) => (e.type === 'approval-links' ? e.action : e.type))).toEqual([
      'ignore',
      'reject',
    ]);
    expect(errors).toEqual(['fetch failed']);
  });
});
