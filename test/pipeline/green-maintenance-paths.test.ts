/**
 * MaintainGreen in the real ASL over the fake world: ANALYZE runs by default after a major upgrade and
 * approvers see it; `off` opens no session; a failing statement rolls the run back naming the table;
 * a long ANALYZE loops round by round; a loop that outlives its deadline compensates; views are
 * refreshed when asked; a same-major (physical) run skips with the reason.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const request = (run: { approvalRequests: unknown[] }) =>
  (
    run.approvalRequests[0] as {
      request: { greenMaintenance?: { summary: string; lines: string[] } };
    }
  ).request;
const DELETE_GREEN = (calls: string[]) =>
  calls.some((c) => c.startsWith('deleteDeployment') && c.endsWith('deleteTarget=true'));

const MV_FINDING = {
  relations: [
    {
      schema: 'public',
      name: 'daily_totals',
      kind: 'm' as const,
      persistence: 'p' as const,
      replicaIdentity: 'd' as const,
      hasPrimaryKey: false,
      hasIdentityIndex: false,
      rows: 10,
      bytes: 8192,
    },
  ],
};

describe('green maintenance paths', () => {
  it('analyzes green after a major upgrade before the approval, and shows it to approvers', async () => {
    // Prepare
    const world = makeWorld({ provisioningPolls: 2 });
    // Act
    const run = await runPath(world, baseInput());
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const i = run.states.indexOf('MaintainGreen');
    expect(run.states.slice(i - 2, i + 4)).toEqual([
      'IsDataValid',
      'StartGreenMaintenance',
      'MaintainGreen',
      'IsGreenMaintained',
      'IsApprovalRequired',
      'PrepareApproval',
    ]);
    expect(world.maintenanceLog).toEqual([
      'open orders-db-green-abc123.example orders read-only',
      'open orders-db-green-abc123.example orders read-only',
      'ANALYZE public.t1',
      'ANALYZE public.t2',
      'ANALYZE public.t3',
    ]);
    expect(request(run).greenMaintenance?.summary).toMatch(
      /^ANALYZE 3 table\(s\) in \d+\.\d s; views not refreshed: green.refreshMaterializedViews is false$/,
    );
    const output = run.output as { greenMaintenance: { status: string; analyze: { tables: number } } };
    expect(output.greenMaintenance.status).toBe('done');
    expect(output.greenMaintenance.analyze.tables).toBe(3);
  });

  it('opens no session on green when green.analyze is off, and says so to approvers', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(
      world,
      baseInput({ green: { readyDeadlineMinutes: 10, pollSeconds: 2, analyze: 'off' } }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(world.maintenanceLog).toEqual([]);
    expect(request(run).greenMaintenance?.summary).toBe(
      'no ANALYZE: green.analyze is off; views not refreshed: green.refreshMaterializedViews is false',
    );
  });

  it('rolls the run back when ANALYZE fails on green, naming the table and the fix', async () => {
    const world = makeWorld({ provisioningPolls: 2, greenMaintenance: { failOn: 'public.t2' } });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.states).not.toContain('PrepareApproval');
    expect(run.approvalRequests).toHaveLength(0);
    expect(DELETE_GREEN(world.calls)).toBe(true);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('GreenMaintenanceFailedError');
    expect(message).toContain('ANALYZE public.t2 on green failed: relation "t2" does not exist');
  });

  it('loops round by round when ANALYZE outlasts one time budget', async () => {
    const world = makeWorld({ provisioningPolls: 2, greenMaintenance: { tables: 5, analyzeMs: 40_000 } });
    const green = {
      readyDeadlineMinutes: 10,
      pollSeconds: 2,
      maintenanceTimeBudgetSeconds: 60,
      analyzeJobs: 1,
    };
    const run = await runPath(world, baseInput({ green }));
    expect(run.status).toBe('SUCCEEDED');
    // 40 s per table, 60 s per round: two tables a round (the second starts at 40 s), then one.
    expect(run.states.filter((s) => s === 'MaintainGreen')).toHaveLength(3);
    expect(world.maintenanceLog.filter((l) => l.startsWith('ANALYZE'))).toHaveLength(5);
    expect(request(run).greenMaintenance?.summary).toMatch(/^ANALYZE 5 table\(s\) in 200\.0 s;/);
  });

  it('compensates when the rounds outlive green.maintenanceDeadlineMinutes', async () => {
    const world = makeWorld({ provisioningPolls: 2, greenMaintenance: { tables: 50, analyzeMs: 30_000 } });
    const green = {
      readyDeadlineMinutes: 10,
      pollSeconds: 2,
      maintenanceTimeBudgetSeconds: 60,
      maintenanceDeadlineMinutes: 2,
      analyzeJobs: 1,
    };
    const run = await runPath(world, baseInput({ green }));
    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('GreenMaintenanceDeadlinePassed');
    expect(run.states).not.toContain('PrepareApproval');
    expect(DELETE_GREEN(world.calls)).toBe(true);
    expect(world.published[0]?.message ?? '').toContain('green maintenance not finished by');
  });

  it('refreshes the materialized views the inspection listed when asked, before ANALYZE', async () => {
    const world = makeWorld({
      provisioningPolls: 2,
      blueFacts: MV_FINDING,
      greenMaintenance: {
        tables: 1,
        views: [{ name: 'public.daily_totals', populated: true, uniqueIndex: true }],
      },
    });
    const green = { readyDeadlineMinutes: 10, pollSeconds: 2, refreshMaterializedViews: true };
    const run = await runPath(world, baseInput({ green }));
    expect(run.status).toBe('SUCCEEDED');
    expect(world.maintenanceLog.filter((l) => !l.startsWith('open'))).toEqual([
      'REFRESH concurrently public.daily_totals',
      'ANALYZE public.t1',
    ]);
    expect(world.maintenanceLog[0]).toBe('open orders-db-green-abc123.example orders writable');
    expect(request(run).greenMaintenance?.summary).toContain(
      '1 materialized view(s) refreshed (1 concurrently)',
    );
    expect(request(run).greenMaintenance?.lines[0]).toMatch(
      /^REFRESH CONCURRENTLY public.daily_totals \(unique index present: readers are not blocked\) \d+ ms$/,
    );
  });

  it('skips ANALYZE on a same-major (physical) run, saying why', async () => {
    const world = makeWorld({ provisioningPolls: 2 });
    const run = await runPath(world, baseInput({ target: { engineVersion: '17.5' } }));
    expect(run.status).toBe('SUCCEEDED');
    expect(world.maintenanceLog).toEqual([]);
    expect(request(run).greenMaintenance?.summary).toContain(
      'no ANALYZE: physical replication: green is a hot standby',
    );
  });
});
