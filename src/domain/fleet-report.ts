/**
 * The fleet report: per database its wave, outcome, timings, the switchover's span (and the stall the
 * clients saw, where a rehearsal measured it) and where its own run report is; per wave the counts.
 * Built from the fleet execution's state and each child's DescribeExecution; pure.
 */
import type { FleetPlan, FleetProgress } from './fleet.ts';
import { childExecutionName } from './fleet.ts';

export interface ChildExecution {
  executionArn: string;
  status: string;
  error: string | null;
  cause: string | null;
  startDate: string | null;
  stopDate: string | null;
  /** the child's audit report (AWS returns output only for SUCCEEDED; otherwise the last state's input) */
  report: Record<string, unknown> | null;
}

export type DatabaseOutcome =
  | 'switched'
  | 'rolled-back'
  | 'refused'
  | 'migration-failed'
  | 'failed-after-switch'
  | 'compensation-incomplete'
  | 'cleanup-incomplete'
  | 'held'
  | 'failed'
  | 'running'
  | 'not-started';

const OUTCOME_BY_ERROR: Record<string, DatabaseOutcome> = {
  'Switchyard.RolledBack': 'rolled-back',
  'Switchyard.Refused': 'refused',
  'Switchyard.MigrationFailed': 'migration-failed',
  'Switchyard.FailedAfterSwitch': 'failed-after-switch',
  'Switchyard.CompensationIncomplete': 'compensation-incomplete',
  'Switchyard.CleanupIncomplete': 'cleanup-incomplete',
  'Switchyard.Held': 'held',
};

export const outcomeOf = (child: ChildExecution | undefined): DatabaseOutcome => {
  if (!child) return 'not-started';
  if (child.status === 'RUNNING') return 'running';
  if (child.status === 'SUCCEEDED') return 'switched';
  return (child.error && OUTCOME_BY_ERROR[child.error]) || 'failed';
};

export interface DatabaseLine {
  id: string;
  wave: number;
  waveKind: 'canary' | 'wave';
  childName: string;
  outcome: DatabaseOutcome;
  executionArn: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  durationSeconds: number | null;
  /** from the child's report: when the switchover was started, and when it was seen completed */
  switchover: { startedAt: string | null; completedBy: string | null } | null;
  /** the longest write stall clients saw, when a rehearsal measured it */
  stallMs: number | null;
  /** one line: why it failed (the child's Cause) */
  reason: string | null;
  /** where its own run report is */
  runReport: string | null;
}

export interface FleetReport {
  fleetExecutionArn: string;
  status: string;
  error: string | null;
  reason: string | null;
  databasesFrom: string;
  waves: Array<{
    index: number;
    kind: 'canary' | 'wave';
    planned: number;
    succeeded: number;
    failed: number;
    notStarted: number;
  }>;
  databases: DatabaseLine[];
  totals: Record<DatabaseOutcome, number>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
    o,
  );

export interface FleetReportInput {
  fleetExecutionArn: string;
  status: string;
  error: string | null;
  cause: string | null;
  /** the fleet's state: its output, or the last state's input (holds fleetPlan and progress) */
  state: Record<string, unknown>;
  /** each child by name (DescribeExecution), absent when never started */
  children: Record<string, ChildExecution>;
  /** stalls measured per database (rehearsal) */
  stalls?: Record<string, number>;
  /** how to reach a child's run report: a path or a command */
  runReportOf?: (childName: string, executionArn: string) => string;
}

export const buildFleetReport = (input: FleetReportInput): FleetReport => {
  const plan = at(input.state, 'fleetPlan', 'plan') as FleetPlan | undefined;
  const progress = at(input.state, 'progress') as FleetProgress | undefined;
  const fleetName = input.fleetExecutionArn.slice(input.fleetExecutionArn.lastIndexOf(':') + 1);
  const databases: DatabaseLine[] = [];
  for (const wave of plan?.waves ?? []) {
    for (const id of wave.ids) {
      const childName = childExecutionName(fleetName, id);
      const child = input.children[childName];
      const report = child?.report ?? null;
      const started = child?.startDate ? Date.parse(child.startDate) : null;
      const stopped = child?.stopDate ? Date.parse(child.stopDate) : null;
      databases.push({
        id,
        wave: wave.index + 1,
        waveKind: wave.kind,
        childName,
        outcome: outcomeOf(child),
        executionArn: child?.executionArn ?? null,
        startedAt: child?.startDate ?? null,
        stoppedAt: child?.stopDate ?? null,
        durationSeconds: started !== null && stopped !== null ? Math.round((stopped - started) / 1000) : null,
        switchover: at(report, 'switchover')
          ? {
              startedAt: str(at(report, 'switchover', 'startedAt')),
              completedBy: str(at(report, 'switchoverStatus', 'checkedAt')),
            }
          : null,
        stallMs: input.stalls?.[id] ?? null,
        reason: child && child.status !== 'SUCCEEDED' ? (child.cause ?? child.error) : null,
        runReport: child
          ? (input.runReportOf?.(childName, child.executionArn) ?? `switchyard status ${child.executionArn}`)
          : null,
      });
    }
  }
  const totals = Object.fromEntries(
    [
      'switched',
      'rolled-back',
      'refused',
      'migration-failed',
      'failed-after-switch',
      'compensation-incomplete',
      'cleanup-incomplete',
      'held',
      'failed',
      'running',
      'not-started',
    ].map((o) => [o, databases.filter((d) => d.outcome === o).length]),
  ) as Record<DatabaseOutcome, number>;
  return {
    fleetExecutionArn: input.fleetExecutionArn,
    status: input.status,
    error: input.error,
    reason: input.cause,
    databasesFrom: plan
      ? plan.resolvedBy === 'tagQuery'
        ? `tag query ${JSON.stringify(plan.tagQuery)}, resolved at start: ${plan.ids.join(', ')}`
        : `list: ${plan.ids.join(', ')}`
      : 'not planned (refused before the plan)',
    waves: (plan?.waves ?? []).map((w) => {
      const counted = progress?.waves.find((c) => c.index === w.index);
      return {
        index: w.index + 1,
        kind: w.kind,
        planned: w.ids.length,
        succeeded: counted?.succeeded ?? 0,
        failed: counted?.failed ?? 0,
        notStarted: counted ? 0 : w.ids.length,
      };
    }),
    databases,
    totals,
  };
};

/** The report as text, one line per wave and per database. */
export const formatFleetReport = (r: FleetReport): string => {
  const lines = [
    `Fleet ${r.fleetExecutionArn.slice(r.fleetExecutionArn.lastIndexOf(':') + 1)}: ${r.status}${r.error ? ` (${r.error})` : ''}`,
    ...(r.reason ? [`  why: ${r.reason}`] : []),
    `  databases from ${r.databasesFrom}`,
    '',
    'Waves:',
    ...r.waves.map(
      (w) =>
        `  ${w.kind} ${w.index}: ${w.planned} planned, ${w.succeeded} succeeded, ${w.failed} failed, ${w.notStarted} not started`,
    ),
    '',
    'Databases:',
    ...r.databases.map((d) =>
      [
        `  ${d.id.padEnd(20)} wave ${d.wave} ${d.outcome.padEnd(20)}`,
        d.durationSeconds !== null ? ` ${d.durationSeconds} s` : '',
        d.stallMs !== null ? `, stall ${d.stallMs} ms` : '',
        d.reason ? `\n      why: ${d.reason.split('\n')[0]}` : '',
        d.runReport ? `\n      run report: ${d.runReport}` : '',
      ].join(''),
    ),
    '',
    `Totals: ${Object.entries(r.totals)
      .filter(([, n]) => n > 0)
      .map(([o, n]) => `${n} ${o}`)
      .join(', ')}`,
  ];
  return lines.join('\n');
};
