/** Approvers see MaintainGreen: the summary among the facts, refreshes, slowest tables and skips in the e-mail and on the page. */
import { describe, expect, it } from 'vitest';
import { newApprovalRecord } from '#approval/decide';
import { renderApprovalEmail } from '#approval/messages';
import { renderConfirmationPage } from '#approval/pages';
import {
  approvalMaintenance,
  nothingToDo,
  planGreenMaintenance,
  summarizeMaintenance,
} from '#domain/green-maintenance';
import { NOW, requestInput } from './support/fixtures.ts';

const plan = planGreenMaintenance(
  {
    analyze: 'auto',
    refreshMaterializedViews: true,
    maintenanceTimeBudgetSeconds: 300,
    maintenanceDeadlineMinutes: 120,
    analyzeJobs: 2,
  },
  {
    engine: 'postgres',
    replication: 'logical',
    currentEngineVersion: '16.4',
    targetEngineVersion: '17.4',
    hasDatabase: true,
  },
);
const skipped = nothingToDo(plan, NOW);
const done = {
  ...skipped,
  status: 'done' as const,
  round: 1,
  views: {
    ...skipped.views,
    run: true,
    refreshed: 1,
    list: [
      { name: 'public.<daily>', mode: 'plain' as const, why: 'never populated on green', durationMs: 40 },
    ],
    durationMs: 40,
  },
  analyze: {
    ...skipped.analyze,
    run: true,
    tables: 12,
    skipped: [{ name: 'audit.log', why: 'permission denied to analyze "log", skipping it' }],
    skippedCount: 1,
    slowest: [{ name: 'public.orders', durationMs: 1250 }],
    durationMs: 2400,
  },
};
const base = requestInput();
const record = newApprovalRecord(
  {
    ...base,
    request: {
      ...base.request,
      greenMaintenance: approvalMaintenance({ ...done, summary: summarizeMaintenance(done) }),
    },
  },
  'AbCdEfGhIjKlMnOpQrStUv',
  NOW,
);

describe('approval messages carry the green maintenance', () => {
  it('puts the summary among the facts and each refresh, slow table and skip in the e-mail', () => {
    const { text } = renderApprovalEmail(record, 'dba@example.com', { approve: 'a', reject: 'r' });
    expect(text).toMatch(
      /Green maintenance: +ANALYZE 12 table\(s\) in 2\.4 s, 1 skipped \(audit\.log: analyze them as their owner\); 1 materialized view\(s\) refreshed \(0 concurrently\) in 0\.0 s/,
    );
    expect(text).toContain('- REFRESH public.<daily> (never populated on green) 40 ms');
    expect(text).toContain('- ANALYZE public.orders 1250 ms');
    expect(text).toContain('- ANALYZE skipped audit.log: permission denied');
  });

  it('lists them on the confirmation page, escaped', () => {
    const html = renderConfirmationPage(
      record,
      { decision: 'approve', approver: 'dba@example.com', expires: 1, sig: 's' } as never,
      '/decide',
    );
    expect(html).toContain('<ul id="green-maintenance">');
    expect(html).toContain('public.&lt;daily&gt;');
    expect(html).not.toContain('public.<daily>');
  });
});
