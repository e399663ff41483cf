/**
 * The fleet state machine's Task contracts (statemachine/fleet.asl.yaml ↔ functions/*-fleet*.ts), the
 * per-wave approval request and the fleet notifications. Pure: the clock is passed in.
 */
import { z } from 'zod';
import type { ApprovalRequest } from '../approval/contracts.ts';
import type { FleetDocument, FleetPlan, FleetProgress, NextWave } from './fleet.ts';
import { ChildResult } from './fleet.ts';

export const PlanFleetInput = z.object({
  document: z.unknown(),
  executionId: z.string().min(1),
  executionName: z.string().min(1),
});

export const PrepareChildInput = z.object({
  document: z.unknown(),
  id: z.string().min(1),
  executionName: z.string().min(1),
});

const Progress = z.looseObject({
  decision: z.enum(['next', 'stop', 'done']),
  wave: z.looseObject({ index: z.number().int(), ids: z.array(z.string()) }).nullable(),
  totals: z.looseObject({}),
  waves: z.array(z.looseObject({})),
});

export const TallyWaveInput = z.object({
  document: z.unknown(),
  executionId: z.string().min(1),
  plan: z.looseObject({ ids: z.array(z.string()), waves: z.array(z.looseObject({})) }),
  progress: Progress,
  results: z.array(ChildResult),
});

export const NotifyFleetInput = z.object({
  kind: z.enum(['wave', 'done', 'stopped', 'refused', 'failed']),
  executionId: z.string().min(1),
  summary: z.record(z.string(), z.unknown()),
});

/** A wave's approval: the existing approval links and pages, one request for the whole wave. */
export interface WaveApproval {
  approvers: string[];
  /** how long the RequestWaveApproval task waits (its TimeoutSecondsPath) */
  timeoutSeconds: number;
  expiresAt: string;
  request: ApprovalRequest;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The approval request for a wave. Approvers see which databases and the shared target; what differs
 * per database (current version, green, lag) is checked by each child before it switches, and the
 * request says so instead of showing one database's numbers for all.
 */
export const waveApprovalFor = (
  doc: FleetDocument,
  wave: NextWave,
  executionName: string,
  now: Date,
): WaveApproval | null => {
  if (typeof doc.approval === 'string') return null;
  const target = (doc.template.target ?? {}) as Record<string, unknown>;
  const label = `${wave.kind === 'canary' ? 'canary wave' : 'wave'} ${wave.index + 1} of ${wave.of}`;
  return {
    approvers: doc.approval.approvers,
    // TimeoutSecondsPath must name a positive integer.
    timeoutSeconds: Math.max(1, Math.round(doc.approval.timeoutMinutes * 60)),
    expiresAt: new Date(now.getTime() + doc.approval.timeoutMinutes * 60_000).toISOString(),
    request: {
      database: `fleet ${executionName}, ${label}: ${wave.ids.join(', ')}`.slice(0, 1000),
      deploymentId: `${executionName}/wave-${wave.index + 1}`,
      greenInstanceId: `one per database (${wave.ids.length}), built by each database's own run`,
      current: { engineVersion: 'per database (each run reads its own)' },
      target: {
        engineVersion: text(target.engineVersion),
        dbParameterGroupName: text(target.dbParameterGroupName),
        dbInstanceClass: text(target.dbInstanceClass),
      },
      replication: 'per-database',
      lag: {
        value: -1,
        unit: 'seconds',
        metric: 'per database: each run waits for its own lag before the switch',
      },
      window: null,
      migrations: {
        verdict: 'none',
        summary: "per database: each run's Preflight lints its own",
        statements: [],
      },
    },
  };
};

/** PlanFleet's and TallyWave's result: the progress plus the next wave's approval request, if one is asked. */
export const withApproval = (
  doc: FleetDocument,
  progress: FleetProgress,
  executionName: string,
  now: Date,
): FleetProgress & { approvalRequest: WaveApproval | null } => ({
  ...progress,
  approvalRequest:
    progress.decision === 'next' && progress.wave?.approval
      ? waveApprovalFor(doc, progress.wave, executionName, now)
      : null,
});

type Kind = z.infer<typeof NotifyFleetInput>['kind'];

const HEADLINE: Record<Kind, string> = {
  wave: 'wave finished',
  done: 'every wave ran',
  stopped: 'STOPPED: no further wave starts; children already running finished and compensated on their own',
  refused: 'refused before anything ran; no database was touched',
  failed: 'FAILED: the fleet execution hit an error; children already started end on their own',
};

const at = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
    o,
  );

/** Subject, body and the one-line reason (the Fail state's Cause) of a fleet notification. */
export const composeFleetNotification = (kind: Kind, executionId: string, state: Record<string, unknown>) => {
  const name = executionId.slice(executionId.lastIndexOf(':') + 1);
  const progress = at(state, 'progress') as FleetProgress | undefined;
  const plan = at(state, 'fleetPlan', 'plan') as FleetPlan | undefined;
  const lines = [`Switchyard fleet ${name}: ${HEADLINE[kind]}.`, `Execution: ${executionId}`];
  if (plan)
    lines.push(
      `Databases (${plan.ids.length}, ${plan.resolvedBy === 'tagQuery' ? `tag query ${JSON.stringify(plan.tagQuery)}, resolved at start` : 'listed'}): ${plan.ids.join(', ')}`,
      `Waves: ${plan.waves.map((w) => `${w.kind} ${w.index + 1} [${w.ids.join(', ')}]`).join('; ')}`,
    );
  for (const w of progress?.waves ?? [])
    lines.push(
      `${w.kind} ${w.index + 1}: ${w.succeeded} succeeded, ${w.failed} failed of ${w.planned}${w.failedIds.length ? ` (failed: ${w.failedIds.join(', ')}; see each database's own notification)` : ''}`,
    );
  if (progress)
    lines.push(
      `Totals: ${progress.totals.succeeded} succeeded, ${progress.totals.failed} failed, ${progress.totals.notStarted} not started, of ${progress.totals.planned}`,
    );
  const error = at(state, 'error') as { Error?: string; Cause?: string } | undefined;
  const errorLine = error?.Error ? `${error.Error}: ${String(error.Cause ?? '').slice(0, 2000)}` : undefined;
  if (errorLine) lines.push(`Error: ${errorLine}`);
  const reason =
    kind === 'stopped'
      ? (progress?.reason ?? errorLine ?? 'stopped')
      : kind === 'refused' || kind === 'failed'
        ? (errorLine ?? kind)
        : `${progress?.totals.succeeded ?? 0} succeeded, ${progress?.totals.failed ?? 0} failed`;
  const waveNo = progress?.waves.at(-1);
  const subject =
    kind === 'wave' && waveNo
      ? `Switchyard fleet ${name}: ${waveNo.kind} ${waveNo.index + 1} — ${waveNo.succeeded} ok, ${waveNo.failed} failed`
      : `Switchyard fleet ${name}: ${kind}`;
  return { subject: subject.slice(0, 100), message: lines.join('\n'), reason };
};
