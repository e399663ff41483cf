/**
 * Event-driven waits with real parts: the emulator's RDS events go through the local EventBridge bus to
 * RelayRdsEvent (DynamoDB and Step Functions through the real SDK clients); with every event dropped
 * (the emulator's drop-events fault), the fallback polls still carry the run to the switch.
 */
import { describe, expect, it } from 'vitest';
import { expectCleanEnd, inOrder, runScenario } from './support.ts';

const LONG = 180_000;

describe('switchyard rehearse with RDS events lost', () => {
  it(
    'switches through the fallback polls when the emulator drops every RDS event',
    async () => {
      // Act
      const report = await runScenario('events-dropped');
      // Assess
      expectCleanEnd(report);
      expect(report.outcome).toBe('switched');
      expect(report.writes.lost).toBe(0);
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.checks.map((c) => c.name)).toContain('no RDS event reached the relay');
      expect(
        inOrder(report.states, [
          'CreateGreen',
          'CheckGreen',
          'AwaitGreenEvent',
          'CheckGreen',
          'StartLagWatch',
          'Switchover',
          'CheckSwitchover',
          'AwaitSwitchoverEvent',
          'CheckSwitchover',
          'Verify',
        ]),
      ).toBe(true);
      // Nothing was delivered, so the emulator's bus is empty too (the events were recorded, then dropped).
      expect(report.timeline.rdsEvents.filter((e) => e.eventId === 'RDS-EVENT-0244')).toEqual([]);
    },
    LONG,
  );
});
