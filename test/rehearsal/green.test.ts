/** Rehearsal scenarios that fail before approval: green broken, too slow, or never caught up. */
import { describe, expect, it } from 'vitest';
import { expectCleanEnd, expectCompensated, inOrder, runScenario } from './support.ts';

const LONG = 180_000;

describe('switchyard rehearse compensations while green is built and catches up', () => {
  it(
    'deletes green when it ends in INVALID_CONFIGURATION',
    async () => {
      // Act
      const report = await runScenario('green-invalid');
      // Assess
      expectCleanEnd(report);
      expectCompensated(report);
      expect(
        inOrder(report.states, ['CreateGreen', 'CheckGreen', 'IsGreenReady', 'GreenFailed', 'Compensate']),
      ).toBe(true);
      expect(report.lag).toEqual([]);
      expect(report.approval.decision).toBe('not-asked');
    },
    LONG,
  );

  it(
    'deletes green when it is not ready by green.readyDeadlineMinutes',
    async () => {
      // Act
      const report = await runScenario('green-deadline');
      // Assess
      expectCleanEnd(report);
      expectCompensated(report);
      expect(
        inOrder(report.states, [
          'CreateGreen',
          'CheckGreen',
          'AwaitGreenEvent',
          'CheckGreen',
          'GreenDeadlinePassed',
          'Compensate',
        ]),
      ).toBe(true);
      expect(report.approval.decision).toBe('not-asked');
    },
    LONG,
  );

  it(
    'deletes green when replication stalls and lag never converges by lag.deadlineMinutes',
    async () => {
      // Act
      const report = await runScenario('lag-stall');
      // Assess
      expectCleanEnd(report);
      expectCompensated(report);
      expect(
        inOrder(report.states, [
          'StartLagWatch',
          'CheckLag',
          'WaitForLag',
          'CheckLag',
          'LagDeadlinePassed',
          'Compensate',
        ]),
      ).toBe(true);
      expect(report.states).not.toContain('RequestApproval');
      const last = report.lag.at(-1);
      expect(last?.withinThreshold).toBe(false);
      expect(last?.value ?? 0).toBeGreaterThan(16_384);
    },
    LONG,
  );
});
