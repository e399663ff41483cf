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

describe('switchyard rehearse: DDL on blue with green.recreateOnDegraded', () => {
  it('rebuilds green from blue as it now is and switches to the new green, no write lost', async () => {
    // Act
    const report = await runScenario('ddl-during-replication-recreate');
    // Assess
    expectCleanEnd(report);
    expect(report.outcome).toBe('switched');
    expect(
      inOrder(report.states, [
        'CheckLag',
        'CanRecreateGreen',
        'RecreateGreen',
        'IsOldGreenDeleted',
        'ReinstallDdlGuard',
        'CreateGreen',
        'CheckLag',
        'Switchover',
        'Verify',
      ]),
    ).toBe(true);
    expect(report.states).not.toContain('ReplicationWindowBroken');
    expect(report.writes.lost).toBe(0);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  }, 300_000);
});

describe('switchyard rehearse: a sequence behind on the new primary', () => {
  it('fails verification after the switch naming the sequence and the fix, old blue held', async () => {
    const report = await runScenario('sequence-behind');
    expectCleanEnd(report);
    expect(report.outcome).toBe('failed-after-switch');
    expect(
      inOrder(report.states, [
        'Switchover',
        'Verify',
        'VerificationFailed',
        'AlertAndHold',
        'FailedAfterSwitch',
      ]),
    ).toBe(true);
    expect(report.states).not.toContain('DeleteOldBlue');
    // The modelled RDS estimate sits beside the locally measured stall, each labelled as what it is.
    expect(report.switchover.productionEstimate).toMatchObject({ recommendedTimeoutSeconds: 300 });
    expect(report.switchover.writeStallMs).not.toBeNull();
    const named = report.checks.find((c) => c.name === 'verification names the sequence behind and its fix');
    expect(named?.detail).toContain(
      "SELECT setval('public.orders_id_seq', (SELECT max(id) FROM public.orders))",
    );
  }, 180_000);
});
