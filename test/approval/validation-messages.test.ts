/** Approvers see the data validation: the summary among the facts, the tables not compared in the e-mail and on the page. */
import { describe, expect, it } from 'vitest';
import { newApprovalRecord } from '#approval/decide';
import { renderApprovalEmail } from '#approval/messages';
import { renderConfirmationPage } from '#approval/pages';
import { approvalValidation, summarize } from '#domain/validation/index';
import { NOW, requestInput } from './support/fixtures.ts';

const result = {
  phase: 'before-approval' as const,
  mode: 'checksums' as const,
  status: 'passed' as const,
  tables: 12,
  rows: 1_500_000,
  bytes: 180_000_000,
  ranges: 20,
  rangesRechecked: 1,
  round: 1,
  sampled: null,
  differences: [],
  pending: [],
  notCompared: [
    {
      name: 'public.<daily>',
      why: 'materialized view: logical replication does not carry it',
      reconcile: 'REFRESH',
    },
  ],
  durationMs: 900,
  checkedAt: NOW.toISOString(),
};
const base = requestInput();
const record = newApprovalRecord(
  {
    ...base,
    request: { ...base.request, validation: approvalValidation({ ...result, summary: summarize(result) }) },
  },
  'AbCdEfGhIjKlMnOpQrStUv',
  NOW,
);

describe('approval messages carry the data validation', () => {
  it('puts the summary among the facts and each table not compared in the e-mail', () => {
    const { text } = renderApprovalEmail(record, 'dba@example.com', { approve: 'a', reject: 'r' });
    expect(text).toMatch(
      /Data validation: +checksums: 12 table\(s\), 1500000 row\(s\), 180\.0 MB compared in 20 key range\(s\), 1 rechecked; no difference/,
    );
    expect(text).toContain('- not compared public.<daily>: materialized view');
  });

  it('lists them on the confirmation page, escaped', () => {
    const html = renderConfirmationPage(
      record,
      { decision: 'approve', approver: 'dba@example.com', expires: 1, sig: 's' } as never,
      '/decide',
    );
    expect(html).toContain('<ul id="validation">');
    expect(html).toContain('public.&lt;daily&gt;');
    expect(html).not.toContain('public.<daily>');
  });
});
