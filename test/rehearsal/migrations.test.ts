/** The migration-fails rehearsal: a real expand migration fails on blue's real PostgreSQL before green exists. */
import { describe, expect, it } from 'vitest';
import { expectCleanEnd, runScenario } from './support.ts';

describe('switchyard rehearse --scenario migration-fails', () => {
  it('stops before green with the applied statement kept, the failing one listed, and writes going on', async () => {
    // Act
    const report = await runScenario('migration-fails');
    // Assess
    expectCleanEnd(report);
    expect(report.states).toEqual([
      'Begin',
      'Preflight',
      'StartMigrations',
      'ApplyMigrations',
      'AreMigrationsApplied',
      'MigrationsFailed',
      'NotifyMigrationFailed',
      'MigrationFailed',
    ]);
    expect(report.migrations?.units.map((u) => `${u.source} ${u.outcome}`)).toEqual([
      'migrations.expand[0] line 1 applied',
      'migrations.expand[0] line 2 failed',
    ]);
    expect(report.migrations?.units[1]?.error).toBe('relation "suppliers" does not exist');
    expect(report.remaining.deployments).toEqual([]);
    expect(report.notifications.map((n) => n.subject)).toEqual(['[Switchyard] orders-db: migration-failed']);
  }, 120_000);
});
