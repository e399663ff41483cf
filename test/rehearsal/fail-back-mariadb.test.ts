/**
 * The fail-back on real MariaDB (issue #15): a 10.11 minor upgrade switched under the write load, old
 * blue kept current as a GTID replica of the new primary, the "Fail back" link clicked, writes blocked
 * through `read_only` in the new primary's own DB parameter group (the master user may not SET GLOBAL
 * read_only), old blue rebooted writable, and the production name back on the original server with every
 * acknowledged write. Needs Debian's MariaDB: without it the file is skipped and says how to install it.
 */
import { describe, expect, it } from 'vitest';
import { MARIADB_INSTALL_HINT, mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { expectCleanEnd, inOrder, runScenario } from './support.ts';

const available = mariadbAvailable();
if (!available)
  console.warn(
    `MariaDB fail-back rehearsal skipped: the MariaDB binaries are missing. Install: ${MARIADB_INSTALL_HINT}`,
  );

describe.skipIf(!available)('switchyard rehearse --scenario fail-back --engine mariadb', () => {
  it('fails back to the original MariaDB server through parameter groups with 0 acknowledged writes lost', async () => {
    // Act
    const report = await runScenario('fail-back', { engine: 'mariadb' });
    // Assess
    expectCleanEnd(report);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.outcome).toBe('failed-back');
    expect(
      inOrder(report.states, [
        'PrepareReverseReplication',
        'Switchover',
        'StartReverseReplication',
        'OpenRollbackWindow',
        'BlockWritesOnNewPrimary',
        'CheckReverseCatchUp',
        'HandOverToOldBlue',
        'IsOldBlueWritable',
        'RenameNewPrimaryAside',
        'RenameOldBlueToProduction',
        'VerifyAfterFailBack',
        'FailedBack',
      ]),
    ).toBe(true);
    // The production name answers from the very server it answered from before the run.
    expect(report.endpoints.after?.systemIdentifier).toBe(report.endpoints.before?.systemIdentifier);
    const fb = report.failBack;
    expect(fb?.writesOnNewPrimary).toBeGreaterThan(0);
    expect(fb?.writesAfterFailBack).toBeGreaterThan(0);
    expect(report.writes.lost).toBe(0);
    expect(fb?.failBackStallMs).not.toBeNull();
    // The failed new primary stays read-only (read_only=1 in its group), the production name writable.
    expect(report.remaining.instances.map((i) => [i.id, i.readOnly])).toEqual([
      ['orders-db', false],
      ['orders-db-failed1', true],
    ]);
    expect(report.remaining.deployments).toEqual([]);
  }, 300_000);
});
