/** Rehearsal scenarios decided at the approval or at the switch: each ends compensated, green gone. */
import { describe, expect, it } from 'vitest';
import { expectCleanEnd, expectCompensated, inOrder, runScenario } from './support.ts';

const LONG = 180_000;

describe('switchyard rehearse compensations around approval and switchover', () => {
  it(
    'rolls back when the approver rejects through the reject link',
    async () => {
      // Act
      const report = await runScenario('approval-rejected');
      // Assess
      expectCleanEnd(report);
      expectCompensated(report);
      expect(inOrder(report.states, ['PrepareApproval', 'RequestApproval', 'Compensate'])).toBe(true);
      expect(report.approval).toMatchObject({
        decision: 'rejected',
        by: 'dba@example.com',
        channel: 'email',
      });
      expect(report.approval.reason).toContain('rejects');
      expect(report.failures).toEqual([
        expect.objectContaining({ state: 'RequestApproval', error: 'ApprovalRejected' }),
      ]);
    },
    LONG,
  );

  it(
    'rolls back when nobody answers before approval.timeoutMinutes',
    async () => {
      // Act
      const report = await runScenario('approval-timeout');
      // Assess
      expectCleanEnd(report);
      expectCompensated(report);
      expect(report.approval.decision).toBe('timed-out');
      expect(report.approval.by).toBeNull();
      expect(report.failures).toEqual([
        expect.objectContaining({ state: 'RequestApproval', error: 'States.Timeout' }),
      ]);
    },
    LONG,
  );

  it(
    'rolls back when RDS cancels the switchover, with blue serving writes again',
    async () => {
      // Act
      const report = await runScenario('switchover-fails');
      // Assess
      expectCleanEnd(report);
      expectCompensated(report);
      expect(
        inOrder(report.states, [
          'Switchover',
          'CheckSwitchover',
          'AwaitSwitchoverEvent',
          'CheckSwitchover',
          'IsSwitchoverDone',
          'SwitchoverFailed',
          'Compensate',
        ]),
      ).toBe(true);
      expect(report.switchover.happened).toBe(true);
      // Writes resumed on blue after the cancelled switch.
      const lastSwitchState = report.timeline.states.find((s) => s.state === 'SwitchoverFailed')?.atMs ?? 0;
      expect(report.writes.durationMs + (report.timings.marks.writesStarted ?? 0)).toBeGreaterThan(
        lastSwitchState,
      );
    },
    LONG,
  );
});
