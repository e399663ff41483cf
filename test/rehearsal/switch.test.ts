/**
 * The rehearsal end to end (emulator, real PostgreSQL, real ASL and handlers, live writes, link
 * approval): the paths that reach the switch, and the refusal that creates nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearseCommand } from '../../bin/commands/rehearse.ts';
import type { RehearsalReport } from '../../rehearsal/index.ts';
import { expectCleanEnd, inOrder, postgresChildren, runScenario } from './support.ts';

const LONG = 180_000;

describe('switchyard rehearse', () => {
  it(
    'switches orders-db from PostgreSQL 17 to 18 under live writes with none lost on the happy path',
    async () => {
      // Act
      const report = await runScenario('happy');
      // Assess
      expectCleanEnd(report);
      expect(report.outcome).toBe('switched');
      expect(report.status).toBe('SUCCEEDED');
      // The rollback window ran out (retention's designed end): not a failure of the run.
      expect(report.states).toContain('OpenRollbackWindow');
      expect(report.failures).toEqual([]);
      // The sample suite (examples/hooks/green-suite.mjs) ran against green at greenReady and passed.
      expect(report.hooks).toEqual([
        expect.objectContaining({ name: 'green-suite', point: 'greenReady', outcome: 'passed', attempts: 1 }),
      ]);
      expect(report.hooks?.[0]?.summary).toContain('3 of 3 checks passed');
      expect(
        inOrder(report.states, [
          'Begin',
          'Preflight',
          'CreateGreen',
          'CheckGreen',
          'AwaitGreenEvent',
          'CheckGreen',
          'StartLagWatch',
          'CheckLag',
          'MaintainGreen',
          'PrepareApproval',
          'RequestApproval',
          'CheckWindow',
          'RecheckLag',
          'Switchover',
          'CheckSwitchover',
          'AwaitSwitchoverEvent',
          'CheckSwitchover',
          'Verify',
          'Retain',
          'OpenRollbackWindow',
          'Cleanup',
          'CheckSnapshot',
          'DeleteOldBlue',
          'NotifySuccess',
          'Succeeded',
        ]),
      ).toBe(true);
      expect(report.approval).toMatchObject({
        decision: 'approved',
        by: 'dba@example.com',
        channel: 'email',
      });
      // Blue and green compared before approval and right before the switch, no difference either time
      // (a range written while it was read may be rechecked first).
      const final = report.validation?.filter((v) => v.status !== 'recheck');
      expect(final?.map((v) => [v.state, v.status])).toEqual([
        ['ValidateData', 'passed'],
        ['ValidateBeforeSwitch', 'passed'],
      ]);
      expect(final?.[0]?.summary).toMatch(/^checksums: \d+ table\(s\), \d+ row\(s\), .* no difference$/);
      // 17 → 18 is a major upgrade: green was analyzed (real ANALYZE on the emulator's read-only green) before approval.
      expect(report.greenMaintenance).toMatchObject({ status: 'done', analyzed: true, viewsRefreshed: 0 });
      expect(report.greenMaintenance?.tables).toBeGreaterThan(0);
      expect(report.greenMaintenance?.summary).toMatch(/^ANALYZE \d+ table\(s\) in \d+\.\d s;/);
      expect(report.approval.links?.approve).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/approvals\/[\w-]{22}\?decision=approve&/,
      );
      // The release's expand migration ran on blue before green existed; the DDL guard came off after the switch.
      expect(report.migrations).toMatchObject({
        verdict: 'done',
        applied: 1,
        total: 1,
        finishedBeforeGreen: true,
      });
      expect(
        inOrder(report.states, [
          'ApplyMigrations',
          'InstallDdlGuard',
          'CreateGreen',
          'Switchover',
          'ReleaseDdlGuard',
          'Verify',
        ]),
      ).toBe(true);
      expect(report.ddlGuard.map((g) => g.state)).toEqual(['InstallDdlGuard', 'ReleaseDdlGuard']);
      expect(report.ddlGuard[1]?.result).toMatchObject({ allReleased: true });
      expect(report.lag.length).toBeGreaterThanOrEqual(4);
      expect(report.lag.every((s) => s.metric === 'OldestReplicationSlotLag' && s.unit === 'bytes')).toBe(
        true,
      );
      expect(report.switchover.happened).toBe(true);
      expect(report.switchover.writeStallMs).not.toBeNull();
      // The endpoint answered from PostgreSQL 17 before and from green's PostgreSQL 18 after.
      expect(report.endpoints.before?.serverVersion).toMatch(/^17\./);
      expect(report.endpoints.after?.serverVersion).toMatch(/^18\./);
      expect(report.endpoints.after?.systemIdentifier).not.toBe(report.endpoints.before?.systemIdentifier);
      expect(report.endpoints.after?.instanceId).toBe('orders-db');
      // Old blue was snapshotted, then deleted; the Blue/Green object is gone.
      expect(report.remaining.deployments).toEqual([]);
      expect(report.remaining.instances.map((i) => i.id)).toEqual(['orders-db']);
      expect(report.remaining.snapshots).toEqual([
        expect.objectContaining({
          id: expect.stringMatching(/^sy-final-orders-db-old1-/),
          status: 'available',
        }),
      ]);
      expect(report.notifications.map((n) => n.subject)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/approve switchover of orders-db/),
          expect.stringMatching(/switched/),
        ]),
      );
    },
    LONG,
  );

  it(
    'holds old blue read-only and fails after the switch when the verify alarm fires',
    async () => {
      // Act
      const report = await runScenario('verify-fails');
      // Assess
      expectCleanEnd(report);
      expect(report.outcome).toBe('failed-after-switch');
      expect(
        inOrder(report.states, [
          'Switchover',
          'CheckSwitchover',
          'Verify',
          'IsVerified',
          'VerificationFailed',
          'AlertAndHold',
          'FailedAfterSwitch',
        ]),
      ).toBe(true);
      expect(report.states).not.toContain('Cleanup');
      expect(report.states).not.toContain('DeleteOldBlue');
      expect(report.endpoints.after?.serverVersion).toMatch(/^18\./);
      expect(report.remaining.instances).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: 'orders-db-old1', status: 'available', readOnly: true }),
        ]),
      );
      expect(report.remaining.deployments).toEqual([
        expect.objectContaining({ status: 'SWITCHOVER_COMPLETED' }),
      ]);
    },
    LONG,
  );

  it(
    'refuses a bad input at Preflight through the command, creating nothing, exit code 0 and a JSON report',
    async () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-rehearse-test-'));
      const file = join(dir, 'report.json');
      try {
        // Act
        const code = await rehearseCommand(['--scenario', 'bad-input', '--auto-approve', '--report', file]);
        // Assess
        expect(code).toBe(0);
        const report = JSON.parse(readFileSync(file, 'utf8')) as RehearsalReport;
        expect(report.outcome).toBe('refused');
        expect(report.states).toEqual(['Begin', 'Preflight', 'NotifyRefused', 'Refused']);
        expect(report.failures[0]).toMatchObject({ state: 'Preflight', error: 'PreflightRefusedError' });
        expect(report.failures[0]?.cause).toContain('maintenanceWindow: unknown field');
        expect(report.remaining.deployments).toEqual([]);
        expect(report.remaining.instances.map((i) => i.id)).toEqual(['orders-db']);
        expect(report.writes.lost).toBe(0);
        expect(postgresChildren()).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LONG,
  );
});
