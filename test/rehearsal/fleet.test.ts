/**
 * The fleet rehearsal end to end: two real PostgreSQL databases in one emulator, a write load on each,
 * the fleet machine (canary, then wave 2 whose switchover is made to fail), per-wave approvals through
 * the e-mailed links; then nothing left running.
 */
import { describe, expect, it } from 'vitest';
import { rehearseFleet } from '../../rehearsal/fleet.ts';
import { postgresChildren } from './support.ts';

describe('switchyard rehearse --fleet', () => {
  it('switches the canary, rolls back the database whose switchover fails, loses no write, leaves nothing', async () => {
    // Act
    const result = await rehearseFleet({ count: 2, failIndex: 2, autoApprove: true });
    // Assess
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.report.status).toBe('FAILED');
    expect(result.report.error).toBe('Switchyard.FleetStopped');
    expect(result.report.databases.map((d) => [d.id, d.wave, d.outcome])).toEqual([
      ['orders-db', 1, 'switched'],
      ['orders-db-2', 2, 'rolled-back'],
    ]);
    expect(result.report.databases[1]!.reason).toContain('SWITCHOVER_FAILED');
    for (const d of result.databases) {
      expect(d.acknowledged).toBeGreaterThan(0);
      expect(d.lost).toBe(0);
    }
    expect(postgresChildren()).toEqual([]);
  }, 240_000);
});
