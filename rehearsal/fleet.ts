/**
 * `npm run rehearse -- --fleet N [--fleet-fail K] [--auto-approve]`: N databases in one emulator (orders-db,
 * orders-db-2, … each a real PostgreSQL 17 server; the extra ones created with CreateDBInstance), each
 * with its own write load, upgraded to 18 by statemachine/fleet.asl.yaml: a canary wave of 1, then waves
 * of ⌈(N−1)/2⌉, one database at a time in a wave (2 cores: each child is a real PostgreSQL pair), one
 * approval per wave through the e-mailed links, and a failure threshold of 0. With `--fleet-fail K` the
 * K-th database's switchover fails (the emulator's `switchover-fails` fault, injected when that child
 * calls Switchover and cleared when it ends): it is rolled back and no later wave starts. The verdict
 * (judge.ts `fleetChecks`): each database switched, rolled back or not started as expected, 0 lost
 * writes on every database, no Blue/Green deployment and no instance left but the fleet's own.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import { makeNotifyFleetHandler } from '../functions/notify-fleet.ts';
import { makePlanFleetHandler } from '../functions/plan-fleet.ts';
import { makePrepareChildHandler } from '../functions/prepare-child.ts';
import { makeTallyWaveHandler } from '../functions/tally-wave.ts';
import { localFleetReport, runFleet } from '../local/run-fleet.ts';
import type { Invoke } from '../local/run-state-machine.ts';
import { childExecutionName } from '../src/domain/fleet.ts';
import { type FleetReport, formatFleetReport } from '../src/domain/fleet-report.ts';
import { clickLink, linksFromOutbox } from './approval-driver.ts';
import { ACCOUNT_ID, REGION } from './environment.ts';
import { abortable, Harness, type Lambda } from './harness.ts';
import { APPROVER, rehearsalInput, SOURCE_ID } from './input.ts';
import { fleetChecks } from './judge.ts';
import { probesFor } from './pg-probes.ts';
import type { Check } from './report.ts';
import { createWritesTable, longestAckGap, WriteLoad } from './write-load.ts';

export interface FleetRehearsalOptions {
  count: number;
  /** 1-based: the database whose switchover fails */
  failIndex?: number;
  autoApprove?: boolean;
  onLine?: (line: string) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FleetRehearsalResult {
  ok: boolean;
  fleetExecutionArn: string;
  report: FleetReport;
  databases: Array<{ id: string; acknowledged: number; lost: number; stallMs: number | null }>;
  checks: Check[];
  durationMs: number;
}

export const fleetIds = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => (i === 0 ? SOURCE_ID : `${SOURCE_ID}-${i + 1}`));

const waitAvailable = async (harness: Harness, id: string, signal?: AbortSignal) => {
  for (let i = 0; i < 600; i++) {
    if (signal?.aborted) throw new Error('interrupted');
    const out = await harness.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    if (out.DBInstances?.[0]?.DBInstanceStatus === 'available') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${id} did not become available within 120 s`);
};

export const rehearseFleet = async (options: FleetRehearsalOptions): Promise<FleetRehearsalResult> => {
  const t0 = Date.now();
  const say = options.onLine ?? (() => {});
  const count = options.count;
  if (!Number.isInteger(count) || count < 1 || count > 8) throw new Error('--fleet: give 1 to 8 databases');
  const failIndex = options.failIndex ?? null;
  if (failIndex !== null && (!Number.isInteger(failIndex) || failIndex < 2 || failIndex > count))
    throw new Error(`--fleet-fail: give a database number from 2 to ${count} (1 is the canary)`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const ids = fleetIds(count);
  const harness = new Harness();
  const loads = new Map<string, WriteLoad>();
  try {
    say(`starting the emulator (PostgreSQL 17 ${ids.join(', ')})`);
    await harness.start({
      engine: 'postgres',
      seedRows: 1000,
      holdConnections: false,
      mark: () => {},
      ...(options.log ? { log: options.log } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const emu = harness.emulator;
    for (const id of ids.slice(1)) {
      await harness.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          Engine: 'postgres',
          EngineVersion: '17',
          DBInstanceClass: 'db.t4g.medium',
          MasterUsername: 'postgres',
          MasterUserPassword: emu.masterPassword,
          DBParameterGroupName: 'orders-pg17',
          BackupRetentionPeriod: 7,
          Tags: [{ Key: 'app', Value: 'orders' }],
        }),
      );
      await waitAvailable(harness, id, options.signal);
    }
    const versions = await harness.rds.send(
      new DescribeDBEngineVersionsCommand({ Engine: 'postgres', EngineVersion: '17' }),
    );
    const targetEngineVersion =
      versions.DBEngineVersions?.[0]?.ValidUpgradeTarget?.map((t) => t.EngineVersion ?? '')
        .filter((v) => v.startsWith('18'))
        .at(-1) ?? '18';
    // The single-database rehearsal's input, without what only orders-db has (the orders table).
    const {
      source: _source,
      migrations: _migrations,
      ...template
    } = rehearsalInput('happy', {
      targetEngineVersion,
    }) as Record<string, unknown>;
    template.green = { ...(template.green as object), smokeSql: ['SELECT 1'] };
    template.release = 'rehearsal-fleet';
    const document = {
      databases: ids,
      template,
      canary: { count: 1, bakeMinutes: 0.05 },
      waves: { size: Math.max(1, Math.ceil((count - 1) / 2)) },
      maxConcurrency: 1,
      toleratedFailureCount: 0,
      approval: { approvers: [APPROVER], timeoutMinutes: 10 },
    };

    for (const id of ids) {
      const cfg = emu.connectionConfig(id);
      await createWritesTable(cfg, 'postgres');
      const load = new WriteLoad(cfg, { engine: 'postgres', clients: 1, ratePerClient: 50 });
      load.start();
      loads.set(id, load);
    }
    say(`write load started: 1 client, 50 INSERTs/s on each of ${ids.join(', ')}`);

    const gw = (await import('../src/aws/gateways.ts')).defaultGateways();
    const fleetHandlers: Record<string, Lambda> = {
      planFleet: makePlanFleetHandler({ rds: gw.rds, clock: () => new Date() }) as Lambda,
      prepareChild: makePrepareChildHandler() as Lambda,
      tallyWave: makeTallyWaveHandler(() => new Date()) as Lambda,
      notifyFleet: makeNotifyFleetHandler({ notify: gw.notify }) as Lambda,
      requestApproval: harness.handlers.requestApproval as Lambda,
    };
    const call = async (handler: Lambda | undefined, key: string, payload: unknown) => {
      if (!handler) throw new Error(`no handler bound for function ${key}`);
      const out = await handler(JSON.parse(JSON.stringify(payload ?? null)), {
        functionName: `switchyard-rehearsal-${key}`,
        awsRequestId: randomBytes(8).toString('hex'),
      });
      return out === undefined ? null : (JSON.parse(JSON.stringify(out)) as unknown);
    };
    const fleetInvoke: Invoke = async (key, payload) => {
      const result = await call(fleetHandlers[key], key, payload);
      if (key === 'requestApproval') {
        const approvalId = (result as { approvalId: string }).approvalId;
        const links = linksFromOutbox(emu.outbox(), approvalId);
        if (!links) throw new Error(`the approval e-mail for ${approvalId} is not in the SNS outbox`);
        if (options.autoApprove) {
          say(`wave approval ${approvalId}: approving through the e-mailed link`);
          setImmediate(
            () =>
              void clickLink(links.approve).catch((e: Error) => say(`approval click failed: ${e.message}`)),
          );
        } else
          say(`wave approval ${approvalId}: open ${links.approve} to approve, ${links.reject} to reject`);
      }
      return result;
    };
    const failing = failIndex === null ? null : ids[failIndex - 1]!;
    const fleetName = `rehearsal-fleet-${Date.now().toString(36)}`;
    const fleetArn = `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:switchyard-fleet-rehearsal:${fleetName}`;
    const runChild = harness.runStateMachine;
    if (!runChild) throw new Error('the harness has not loaded the state machine runner');
    say(`starting fleet execution ${fleetArn}`);
    const run = await abortable(
      runFleet({
        input: document,
        executionId: fleetArn,
        invoke: fleetInvoke,
        callbacks: harness.callbacks,
        onEvent: (e) => {
          if (e.type === 'StateEntered' && e.state && !e.state.startsWith('Child')) say(`fleet: ${e.state}`);
        },
        runChild: async ({ executionArn, input }) => {
          const id = (input as { source: { dbInstanceIdentifier: string } }).source.dbInstanceIdentifier;
          say(`child ${id}: ${executionArn.slice(executionArn.lastIndexOf(':') + 1)}`);
          const childInvoke: Invoke = async (key, payload) => {
            // The injected failure: this database's switchover fails (RDS rolls it back), no other's.
            if (id === failing && key === 'switchover') {
              await emu.faults.inject({
                kind: 'switchover-fails',
                reason: `rehearsal --fleet-fail ${failIndex}`,
              });
              say(`child ${id}: injected switchover-fails`);
            }
            return call(harness.handlers[key], key, payload);
          };
          try {
            const result = await runChild({
              input,
              executionId: executionArn,
              invoke: childInvoke,
              callbacks: harness.callbacks,
            });
            say(`child ${id}: ${result.status}${result.error ? ` ${result.error}` : ''}`);
            return result;
          } finally {
            if (id === failing) await emu.faults.clear('switchover-fails');
          }
        },
      }),
      options.signal,
    );

    for (const load of loads.values()) await load.stop();
    await Promise.race([emu.idle(), new Promise((r) => setTimeout(r, 15_000).unref())]);
    const probes = probesFor(false);
    const databases: FleetRehearsalResult['databases'] = [];
    const stalls: Record<string, number> = {};
    for (const id of ids) {
      const load = loads.get(id)!;
      const child = run.children.find((c) => c.name === childExecutionName(fleetName, id));
      const stall = child
        ? longestAckGap(
            load.ackTimes,
            Date.parse(child.startedAt),
            Date.parse(child.stoppedAt ?? child.startedAt),
          ).ms
        : null;
      if (stall !== null) stalls[id] = stall;
      const lost = await load.lostWrites(emu.connectionConfig(id));
      databases.push({ id, acknowledged: load.counts.acknowledged, lost: lost.length, stallMs: stall });
    }
    const report = localFleetReport(run, fleetArn, { stalls });
    const deployments =
      (await harness.rds.send(new DescribeBlueGreenDeploymentsCommand({}))).BlueGreenDeployments ?? [];
    const instances = (await harness.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const versions2: Record<string, string | null> = {};
    for (const id of ids) versions2[id] = (await probes.identify(emu, id))?.serverVersion ?? null;
    const checks = fleetChecks({
      status: run.status,
      error: run.error,
      failIndex,
      databases: report.databases.map((d) => ({
        id: d.id,
        wave: d.wave,
        outcome: d.outcome,
        acknowledged: databases.find((x) => x.id === d.id)?.acknowledged ?? 0,
        lost: databases.find((x) => x.id === d.id)?.lost ?? 0,
        serverVersion: versions2[d.id] ?? null,
      })),
      deployments: deployments.map((d) => ({
        id: d.BlueGreenDeploymentIdentifier ?? '',
        status: d.Status ?? '',
      })),
      instances: instances.map((i) => ({
        id: i.DBInstanceIdentifier ?? '',
        status: i.DBInstanceStatus ?? '',
      })),
    });
    return {
      ok: checks.every((c) => c.ok),
      fleetExecutionArn: fleetArn,
      report,
      databases,
      checks,
      durationMs: Date.now() - t0,
    };
  } finally {
    for (const load of loads.values()) await load.stop().catch(() => {});
    await harness.stop();
  }
};

/** The fleet rehearsal's summary: the fleet report, writes per database, and each check. */
export const fleetSummary = (r: FleetRehearsalResult): string =>
  [
    formatFleetReport(r.report),
    '',
    'Writes:',
    ...r.databases.map(
      (d) =>
        `  ${d.id.padEnd(20)} ${d.acknowledged} acknowledged, ${d.lost} lost${d.stallMs !== null ? `, longest gap ${d.stallMs} ms` : ''}`,
    ),
    '',
    'Checks:',
    ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} — ${c.detail}`),
    '',
    `${r.ok ? 'PASSED' : 'FAILED'} in ${(r.durationMs / 1000).toFixed(1)} s`,
  ].join('\n');
