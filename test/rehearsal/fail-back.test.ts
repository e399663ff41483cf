/**
 * The fail-back on real PostgreSQL (issue #15): 17 → 18 under the write load, the "Fail back" link
 * clicked in the rollback window, and the production name back on the original 17 server with every
 * acknowledged write, those made on 18 included.
 */
import { describe, expect, it } from 'vitest';
import { expectCleanEnd, inOrder, runScenario } from './support.ts';

describe('switchyard rehearse --scenario fail-back', () => {
  it('fails back to PostgreSQL 17 through the e-mailed link with 0 acknowledged writes lost across both moves', async () => {
    // Act
    const report = await runScenario('fail-back');
    // Assess
    expectCleanEnd(report);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.outcome).toBe('failed-back');
    expect(
      inOrder(report.states, [
        'PrepareReverseReplication',
        'Switchover',
        'Verify',
        'StartReverseReplication',
        'OpenRollbackWindow',
        'BlockWritesOnNewPrimary',
        'CheckReverseCatchUp',
        'HandOverToOldBlue',
        'RenameNewPrimaryAside',
        'RenameOldBlueToProduction',
        'VerifyAfterFailBack',
        'DeleteDeploymentAfterFailBack',
        'FailedBack',
      ]),
    ).toBe(true);
    expect(report.states).not.toContain('Cleanup');
    // The production name's endpoint answers from the very server it answered from before the run.
    expect(report.endpoints.after?.systemIdentifier).toBe(report.endpoints.before?.systemIdentifier);
    expect(report.endpoints.after?.serverVersion).toMatch(/^17\./);
    // Writes were acknowledged on 18 after the switch and on 17 after the fail-back; none is missing.
    const fb = report.failBack;
    expect(fb?.writesOnNewPrimary).toBeGreaterThan(0);
    expect(fb?.writesAfterFailBack).toBeGreaterThan(0);
    expect(report.writes.lost).toBe(0);
    expect(fb?.switchStallMs).not.toBeNull();
    expect(fb?.failBackStallMs).not.toBeNull();
    // Both instances kept: the new primary aside (read-only), nothing else left.
    expect(report.remaining.instances.map((i) => [i.id, i.readOnly])).toEqual([
      ['orders-db', false],
      ['orders-db-failed1', true],
    ]);
    expect(report.remaining.deployments).toEqual([]);
    expect(report.remaining.snapshots).toEqual([]);
  }, 300_000);
});
