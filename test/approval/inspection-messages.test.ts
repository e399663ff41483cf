/** Approvers see the inspection: the headline among the facts, each finding and each waiver in the e-mail, Slack and the page. */
import { describe, expect, it } from 'vitest';
import { newApprovalRecord } from '#approval/decide';
import { renderApprovalEmail, renderSlackRequest } from '#approval/messages';
import { renderConfirmationPage } from '#approval/pages';
import { approvalInspection, evaluateInspection } from '#domain/inspection/index';
import { cleanInspection } from '../support/inspection-facts.ts';
import { NOW, requestInput } from './support/fixtures.ts';

const inspected = cleanInspection({
  sequences: 4,
  relations: [
    {
      schema: 'shop',
      name: 'sessions',
      kind: 'r',
      persistence: 'u',
      replicaIdentity: 'd',
      hasPrimaryKey: true,
      hasIdentityIndex: false,
      rows: 10,
      bytes: 8192,
    },
  ],
});
const report = evaluateInspection({
  engine: 'postgres',
  replication: 'logical',
  facts: inspected.facts,
  summary: inspected.summary,
  waivers: [
    { rule: 'PG-UNLOGGED-TABLES', reason: 'cache <rebuilt>', by: 'dba@example.com' },
    { rule: 'PG-LARGE-OBJECTS', reason: 'none left', by: 'lead@example.com' },
  ],
  database: 'orders',
  endpoint: 'x',
  durationMs: 1,
});
const base = requestInput();
const record = newApprovalRecord(
  { ...base, request: { ...base.request, inspection: approvalInspection(report) } },
  'AbCdEfGhIjKlMnOpQrStUv',
  NOW,
);

describe('approval messages carry the inspection', () => {
  it('lists findings and waivers in the e-mail', () => {
    const { text } = renderApprovalEmail(record, 'dba@example.com', {
      approve: 'https://a',
      reject: 'https://r',
    });
    expect(text).toMatch(/Database inspection: +WARN: 1 finding\(s\) \(PG-SEQUENCES\); 1 waived/);
    expect(text).toContain('- REFUSE [PG-UNLOGGED-TABLES] unlogged tables: shop.sessions');
    expect(text).toContain('(WAIVED by dba@example.com: cache <rebuilt>)');
    expect(text).toContain('waiver of PG-LARGE-OBJECTS by lead@example.com (none left): nothing to waive');
  });

  it('lists them in Slack, escaped', () => {
    const blocks = JSON.stringify(renderSlackRequest(record).blocks);
    expect(blocks).toContain('*Database inspection*');
    expect(blocks).toContain('cache &lt;rebuilt&gt;');
  });

  it('lists them on the confirmation page, escaped', () => {
    const html = renderConfirmationPage(
      record,
      { decision: 'approve', approver: 'dba@example.com', expires: 1, sig: 's' } as never,
      '/decide',
    );
    expect(html).toContain('<ul id="inspection">');
    expect(html).toContain('cache &lt;rebuilt&gt;');
    expect(html).not.toContain('cache <rebuilt>');
  });

  it('shows nothing extra without an inspection', () => {
    const plain = newApprovalRecord(requestInput(), 'AbCdEfGhIjKlMnOpQrStUv', NOW);
    expect(renderApprovalEmail(plain, 'dba@example.com', { approve: 'a', reject: 'r' }).text).not.toContain(
      'Database inspection',
    );
  });
});
