/**
 * The fleet machine's paths: the real fleet ASL and handlers, each database a real blue-green child run
 * over its own scripted fake world (test/support/run-fleet-path.ts).
 */
import { describe, expect, it } from 'vitest';
import { formatFleetReport } from '#domain/fleet-report';
import { fleetStatus } from '../../bin/commands/fleet.ts';
import { makeNotifyFleetHandler } from '../../functions/notify-fleet.ts';
import { makePlanFleetHandler } from '../../functions/plan-fleet.ts';
import { makePrepareChildHandler } from '../../functions/prepare-child.ts';
import { makeTallyWaveHandler } from '../../functions/tally-wave.ts';
import { CallbackRegistry } from '../../local/callbacks.ts';
import { LOCAL_BLUE_GREEN_ARN } from '../../local/fleet-definition.ts';
import { describeChild, localFleetReport, runFleet } from '../../local/run-fleet.ts';
import { instance, makeWorld, type World, type WorldScript } from '../support/fake-world.ts';
import { FLEET_EXECUTION_ARN, runFleetPath } from '../support/run-fleet-path.ts';
import { baseInput } from '../support/run-path.ts';

const template = () => {
  const { source: _source, ...rest } = baseInput();
  return rest;
};

const fleetOf = (ids: string[], scripts: Record<string, WorldScript> = {}): Record<string, World> =>
  Object.fromEntries(ids.map((id) => [id, makeWorld(scripts[id] ?? { provisioningPolls: 1 })]));

const IDS = ['alpha-db', 'bravo-db', 'charlie-db', 'delta-db', 'echo-db'];

describe('fleet paths', () => {
  it('runs the canary, then the waves, each database a child that switched', async () => {
    // Prepare
    const worlds = fleetOf(IDS);
    const doc = {
      databases: IDS,
      template: template(),
      canary: { count: 1, bakeMinutes: 5 },
      waves: { size: 2 },
    };
    // Act
    const run = await runFleetPath(doc, worlds);
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.started).toEqual(IDS);
    expect(run.children.map((c) => c.result?.status)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(run.states.filter((s) => s === 'TallyWave')).toHaveLength(3);
    expect(run.states).toContain('BakeCanary');
    expect(run.states.indexOf('BakeCanary')).toBeLessThan(run.states.lastIndexOf('RunWaveInline'));
    const progress = (run.output as { progress: { waves: Array<{ planned: number; succeeded: number }> } })
      .progress;
    expect(progress.waves.map((w) => [w.planned, w.succeeded])).toEqual([
      [1, 1],
      [2, 2],
      [2, 2],
    ]);
    expect(run.fleetNotifications.map((n) => n.attributes.outcome)).toEqual(['wave', 'wave', 'wave', 'done']);
    for (const c of run.children) expect(c.name.length).toBeLessThanOrEqual(80);
    for (const w of Object.values(worlds)) expect(w.calls.some((c) => c.startsWith('switchover'))).toBe(true);
  });

  it('threshold 0: a failure in wave 2 stops wave 3; the failed child compensated, its wave-mate finished', async () => {
    // Prepare: charlie-db's green never becomes ready → its run rolls back
    const worlds = fleetOf(IDS, { 'charlie-db': { greenFails: true } });
    const doc = {
      databases: IDS,
      template: template(),
      canary: { count: 1, bakeMinutes: 0 },
      waves: { size: 2 },
      toleratedFailureCount: 0,
    };
    // Act
    const run = await runFleetPath(doc, worlds);
    // Assess
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Switchyard.FleetStopped');
    expect(run.cause).toContain('1 failed, more than the 0 tolerated');
    expect(run.started).toEqual(['alpha-db', 'bravo-db', 'charlie-db']);
    expect(worlds['delta-db']!.calls).toEqual([]);
    expect(worlds['echo-db']!.calls).toEqual([]);
    const charlie = run.children.find((c) => c.name.includes('charlie-db'))!;
    expect(charlie.result?.error).toBe('Switchyard.RolledBack');
    expect(worlds['charlie-db']!.calls.some((c) => /deleteDeployment .* deleteTarget=true/.test(c))).toBe(
      true,
    );
    const bravo = run.children.find((c) => c.name.includes('bravo-db'))!;
    expect(bravo.result?.status).toBe('SUCCEEDED');
    expect(run.fleetNotifications.at(-1)?.attributes.outcome).toBe('stopped');
    // the fleet report: per database its outcome, per wave the counts
    const report = localFleetReport(run, FLEET_EXECUTION_ARN);
    expect(report.databases.map((d) => [d.id, d.wave, d.outcome])).toEqual([
      ['alpha-db', 1, 'switched'],
      ['bravo-db', 2, 'switched'],
      ['charlie-db', 2, 'rolled-back'],
      ['delta-db', 3, 'not-started'],
      ['echo-db', 3, 'not-started'],
    ]);
    expect(report.waves.map((w) => [w.succeeded, w.failed, w.notStarted])).toEqual([
      [1, 0, 0],
      [1, 1, 0],
      [0, 0, 2],
    ]);
    expect(report.databases[2]!.reason).toContain('rolled back');
    expect(report.databases[1]!.switchover?.startedAt).toMatch(/^2026-/);
    expect(formatFleetReport(report)).toContain('charlie-db           wave 2 rolled-back');
    // `switchyard fleet status` reads the same through DescribeExecution, children by their derived names
    const byArn = new Map(run.children.map((c) => [c.executionArn, describeChild(c)]));
    const reader = {
      describeExecution: async (arn: string) => {
        if (arn === FLEET_EXECUTION_ARN)
          return {
            executionArn: arn,
            stateMachineArn: '',
            status: run.status,
            error: run.error,
            cause: run.cause,
            output: null,
            input: null,
            startDate: null,
            stopDate: null,
          };
        const d = byArn.get(arn);
        if (!d) return undefined;
        return {
          executionArn: arn,
          stateMachineArn: LOCAL_BLUE_GREEN_ARN,
          status: String(d.Status),
          error: (d.Error as string) ?? null,
          cause: (d.Cause as string) ?? null,
          output: d.Output ? JSON.stringify(d.Output) : null,
          input: null,
          startDate: String(d.StartDate),
          stopDate: String(d.StopDate),
        };
      },
      trail: async () => ({
        statesEntered: run.states,
        lastStateInput: JSON.stringify(
          [...run.events].reverse().find((e) => e.type === 'StateEntered')?.input,
        ),
      }),
    };
    const viaCli = await fleetStatus(reader, FLEET_EXECUTION_ARN, LOCAL_BLUE_GREEN_ARN);
    expect(viaCli?.databases.map((d) => d.outcome)).toEqual(report.databases.map((d) => d.outcome));
  });

  it('toleratedFailurePercent: within the tolerance every wave runs and the fleet ends with failures; above it, stops', async () => {
    const failing = { 'charlie-db': { greenFails: true } };
    const doc = (percent: number) => ({
      databases: IDS,
      template: template(),
      canary: { count: 1, bakeMinutes: 0 },
      waves: { percent: 40 },
      toleratedFailurePercent: percent,
    });
    // 1 failed of 3 run after wave 2 = 33 %
    const within = await runFleetPath(doc(50), fleetOf(IDS, failing));
    expect(within.error).toBe('Switchyard.FleetFinishedWithFailures');
    expect(within.started).toHaveLength(5);
    const above = await runFleetPath(doc(30), fleetOf(IDS, failing));
    expect(above.error).toBe('Switchyard.FleetStopped');
    expect(above.started).toEqual(['alpha-db', 'bravo-db', 'charlie-db']);
  });

  it('a rejected wave approval stops the fleet before that wave starts', async () => {
    const worlds = fleetOf(IDS);
    const doc = {
      databases: IDS,
      template: template(),
      canary: { count: 1, bakeMinutes: 0 },
      waves: { size: 2 },
      approval: { approvers: ['dba@example.com'], timeoutMinutes: 60 },
    };
    const run = await runFleetPath(doc, worlds, { waveApprovals: ['approve', 'reject'] });
    expect(run.error).toBe('Switchyard.FleetStopped');
    expect(run.cause).toContain('ApprovalRejected');
    expect(run.started).toEqual(['alpha-db']);
    expect(run.approvalRequests).toHaveLength(2);
    const second = run.approvalRequests[1] as { request: { database: string; replication: string } };
    expect(second.request.database).toContain('bravo-db, charlie-db');
    expect(second.request.replication).toBe('per-database');
    // the child ran without asking again (the wave's approval covered it)
    expect(run.children[0]!.result?.states).not.toContain('RequestApproval');
  });

  it('refuses the whole fleet on one bad per-database override, naming it, before anything runs', async () => {
    const worlds = fleetOf(IDS);
    const doc = {
      databases: ['alpha-db', { id: 'bravo-db', overrides: { lag: { maxSeconds: -3 } } }],
      template: template(),
      waves: { size: 1 },
    };
    const run = await runFleetPath(doc, worlds);
    expect(run.error).toBe('Switchyard.FleetRefused');
    expect(run.cause).toContain('databases[1] (bravo-db).lag.maxSeconds');
    expect(run.started).toEqual([]);
    expect(Object.values(worlds).every((w) => w.calls.length === 0)).toBe(true);
  });

  it('resolves a tag query once and freezes the databases into the plan', async () => {
    const worlds = fleetOf(['alpha-db', 'bravo-db']);
    const instances = [
      instance('bravo-db', { tags: { team: 'payments' } }),
      instance('alpha-db', { tags: { team: 'payments' } }),
      instance('other-db', { tags: { team: 'search' } }),
      instance('alpha-db-old1', { tags: { team: 'payments', 'switchyard:role': 'old-blue' } }),
    ];
    const doc = {
      tagQuery: { tags: { team: 'payments' } },
      template: template(),
      canary: { count: 0 },
      waves: { size: 5 },
    };
    const run = await runFleetPath(doc, worlds, { instances });
    expect(run.status).toBe('SUCCEEDED');
    const plan = (run.output as { fleetPlan: { plan: { ids: string[]; resolvedBy: string } } }).fleetPlan
      .plan;
    expect(plan).toMatchObject({ ids: ['alpha-db', 'bravo-db'], resolvedBy: 'tagQuery' });
    expect(run.fleetNotifications[0]!.message).toContain('tag query {"team":"payments"}, resolved at start');
  });

  it('perDatabase approval: no wave approval, each child asks for itself', async () => {
    const worlds = fleetOf(['alpha-db', 'bravo-db']);
    const doc = {
      databases: ['alpha-db', 'bravo-db'],
      template: template(),
      canary: { count: 0 },
      waves: { size: 2 },
      approval: 'perDatabase',
    };
    const run = await runFleetPath(doc, worlds);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).not.toContain('RequestWaveApproval');
    expect(run.approvalRequests).toEqual([]);
    for (const c of run.children) expect(c.result?.states).toContain('RequestApproval');
  });

  it('runs a wave of more than 40 databases through the Distributed Map branch, counting each child', async () => {
    // Children here are scripted results (this checks the fleet's branching and counting, not a child).
    const ids = Array.from({ length: 43 }, (_, i) => `db-${i + 1}`);
    const handlers = {
      planFleet: makePlanFleetHandler({ rds: {} as never, clock: () => new Date('2026-11-22T01:00:00Z') }),
      prepareChild: makePrepareChildHandler(),
      tallyWave: makeTallyWaveHandler(() => new Date('2026-11-22T01:00:00Z')),
      notifyFleet: makeNotifyFleetHandler({ notify: { publish: async () => 'm' } } as never),
    } as Record<string, (e: unknown, c: object) => Promise<unknown>>;
    const run = await runFleet({
      input: {
        databases: ids,
        template: template(),
        canary: { count: 1, bakeMinutes: 0 },
        waves: { size: 42 },
        toleratedFailureCount: 1,
        maxConcurrency: 50,
      },
      executionId: FLEET_EXECUTION_ARN,
      callbacks: new CallbackRegistry(),
      invoke: async (key, payload) => handlers[key]!(payload, {}),
      runChild: async ({ input }) => {
        const id = (input as { source: { dbInstanceIdentifier: string } }).source.dbInstanceIdentifier;
        const failed = id === 'db-7';
        return {
          status: failed ? 'FAILED' : 'SUCCEEDED',
          output: failed ? null : {},
          error: failed ? 'Switchyard.RolledBack' : null,
          cause: failed ? 'rolled back' : null,
          states: [],
          transitions: 0,
          historyEvents: 0,
          retries: [],
          events: [],
          durationMs: 0,
        };
      },
    });
    expect(run.states).toContain('RunWaveInline');
    expect(run.states).toContain('RunWaveDistributed');
    expect(run.states.filter((s) => s === 'RunChildDistributed')).toHaveLength(42);
    expect(run.error).toBe('Switchyard.FleetFinishedWithFailures');
    const report = localFleetReport(run, FLEET_EXECUTION_ARN);
    expect(report.waves).toMatchObject([
      { planned: 1, succeeded: 1, failed: 0 },
      { planned: 42, succeeded: 41, failed: 1 },
    ]);
    expect(report.databases.find((d) => d.id === 'db-7')?.outcome).toBe('rolled-back');
  });
});
