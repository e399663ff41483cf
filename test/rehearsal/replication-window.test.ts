/** The replication-window guard on real PostgreSQL: DDL on blue while green exists rolls the run back. */
import { describe, expect, it } from 'vitest';
import { expectCleanEnd, expectCompensated, inOrder, runScenario } from './support.ts';

describe('switchyard rehearse: DDL on blue during replication', () => {
  it('leaves the lag loop at the next check after ALTER TABLE on blue and deletes green, naming the table', async () => {
    // Act
    const report = await runScenario('ddl-during-replication');
    // Assess
    expectCleanEnd(report);
    expectCompensated(report);
    expect(
      inOrder(report.states, ['CheckLag', 'WaitForLag', 'CheckLag', 'ReplicationWindowBroken', 'Compensate']),
    ).toBe(true);
    expect(report.states).not.toContain('RequestApproval');
    const named = report.checks.find((c) => c.name === 'DDL on blue named when the lag loop left');
    expect(named?.detail).toContain('public.orders');
    expect(named?.detail).toContain('note text');
  }, 180_000);
});
