/** The plan: everything a run decides once at Preflight, carried in the state as `$.plan`. */

import type { ClientThresholds } from './client-thresholds.ts';
import { type EngineFamily, engineFamily, type Replication, replicationFor } from './engine.ts';
import { type GreenMaintenancePlan, planGreenMaintenance } from './green-maintenance.ts';
import { type HookPlan, planHooks } from './hooks.ts';
import type { ExecutionInput } from './input.ts';
import { deploymentNameFor } from './names.ts';
import { fallbackSeconds } from './rds-events.ts';
import { recreateBound } from './recreate.ts';
import type { ReverseDecision } from './reverse-eligibility.ts';
import type { ValidationPlan } from './validation/index.ts';

export type { Replication } from './engine.ts';
export { replicationFor } from './engine.ts';

export interface LagPlan {
  metric: 'ReplicaLag' | 'OldestReplicationSlotLag';
  unit: 'seconds' | 'bytes';
  /** which side the metric is read on: green for ReplicaLag (physical, binlog), blue for the logical slot lag */
  readOn: 'green' | 'blue';
  threshold: number;
  stableSamples: number;
}

export interface Plan {
  sourceId: string;
  sourceArn: string;
  /** RDS engine of the source (postgres, mysql, mariadb): picks the replication path and the SQL driver */
  engine: EngineFamily;
  currentEngineVersion: string;
  targetEngineVersion: string;
  replication: Replication;
  deploymentName: string;
  executionId: string;
  release: string | null;
  lag: LagPlan;
  waits: {
    greenPollSeconds: number;
    lagPollSeconds: number;
    switchoverPollSeconds: number;
    verifyPollSeconds: number;
    retentionSeconds: number;
    /** event waits' fallback polls (their TimeoutSeconds): RDS events are best effort */
    greenFallbackSeconds: number;
    switchoverFallbackSeconds: number;
  };
  /** greenReady bounds the build; switchBy bounds the whole wait for approval and the window */
  deadlines: { greenReady: string; switchBy: string };
  target: ExecutionInput['target'];
  verify: { alarmNames: string[] };
  smoke: { green: string[]; verify: string[] };
  approval: { required: boolean; approvers: string[]; timeoutSeconds: number };
  switchover: { timeoutSeconds: number };
  lagDeadlineMinutes: number;
  bakeSeconds: number;
  window: ExecutionInput['window'] | null;
  validation: ValidationPlan;
  /** the user's hooks per point, and which points have any (src/domain/hooks.ts) */
  hooks: HookPlan;
  /** reverse replication after the switch (set at Preflight once green's parameters are read) */
  reverse?: ReverseDecision;
  /** the fail-back branch: how long writes may stay blocked while old blue catches up, and its poll */
  failBack: { catchUpDeadlineSeconds: number; pollSeconds: number; renamePollSeconds: number };
  /** green.recreateOnDegraded: how many times green may be rebuilt (0: never), and a rebuilt green's ready time */
  recreate: { max: number; greenReadySeconds: number };
  /** clients.*: null where no threshold is set */
  clients: ClientThresholds;
  /** MaintainGreen: ANALYZE and materialized-view refresh on green before the approval */
  greenMaintenance: GreenMaintenancePlan;
}

/**
 * The lag metric that fits the replication type (RDS User Guide, Blue/Green Deployments: monitoring
 * replica lag): ReplicaLag in seconds on green for physical and binlog (on MySQL/MariaDB it is green's
 * Seconds_Behind_Master, −1 when replication is not running), the slot lag in bytes on blue for logical.
 */
export const lagPlanFor = (replication: Replication, input: ExecutionInput): LagPlan =>
  replication !== 'logical'
    ? {
        metric: 'ReplicaLag',
        unit: 'seconds',
        readOn: 'green',
        threshold: input.lag.maxSeconds,
        stableSamples: input.lag.stableSamples,
      }
    : {
        metric: 'OldestReplicationSlotLag',
        unit: 'bytes',
        readOn: 'blue',
        threshold: input.lag.maxBytes,
        stableSamples: input.lag.stableSamples,
      };

/** An ISO timestamp `seconds` after `now`. */
export const addSeconds = (now: Date, seconds: number): string =>
  new Date(now.getTime() + seconds * 1000).toISOString();

/** Build + lag + approval, plus a week so any weekly window opens at least once after approval. */
const switchHorizonSeconds = (input: ExecutionInput): number =>
  (input.green.readyDeadlineMinutes + input.lag.deadlineMinutes + input.approval.timeoutMinutes) * 60 +
  8 * 24 * 3600;

/** Builds the plan from a validated input and the source facts; `now` anchors the deadlines. */
export const buildPlan = (
  input: ExecutionInput,
  source: { arn: string; engineVersion: string; engine?: string },
  executionId: string,
  now: Date,
): Plan => {
  const engine = engineFamily(source.engine ?? 'postgres') ?? 'postgres';
  const targetEngineVersion = input.target.engineVersion ?? source.engineVersion;
  const replication = replicationFor(source.engineVersion, targetEngineVersion, engine);
  return {
    sourceId: input.source.dbInstanceIdentifier,
    sourceArn: source.arn,
    engine,
    currentEngineVersion: source.engineVersion,
    targetEngineVersion,
    replication,
    deploymentName: deploymentNameFor(input.source.dbInstanceIdentifier, executionId),
    executionId,
    release: input.release ?? null,
    lag: lagPlanFor(replication, input),
    waits: {
      greenPollSeconds: input.green.pollSeconds,
      lagPollSeconds: input.lag.pollSeconds,
      switchoverPollSeconds: input.switchover.pollSeconds,
      verifyPollSeconds: input.verify.pollSeconds,
      retentionSeconds: Math.ceil(input.retention.keepOldBlueHours * 3600),
      greenFallbackSeconds: fallbackSeconds(input.green.pollSeconds),
      // The switch lasts seconds to minutes (SwitchoverTimeout ≤ 1 h): its fallback stays within a minute.
      switchoverFallbackSeconds: fallbackSeconds(input.switchover.pollSeconds, 60),
    },
    deadlines: {
      greenReady: addSeconds(now, input.green.readyDeadlineMinutes * 60),
      switchBy: addSeconds(now, switchHorizonSeconds(input)),
    },
    target: input.target,
    verify: { alarmNames: input.verify.alarmNames },
    smoke: { green: input.green.smokeSql, verify: input.verify.smokeSql },
    approval: {
      required: input.approval.required,
      approvers: input.approval.approvers,
      timeoutSeconds: Math.ceil(input.approval.timeoutMinutes * 60),
    },
    switchover: { timeoutSeconds: input.switchover.timeoutSeconds },
    lagDeadlineMinutes: input.lag.deadlineMinutes,
    bakeSeconds: Math.ceil(input.verify.bakeMinutes * 60),
    window: input.window ?? null,
    validation: {
      ...input.validation,
      // On by default where it can run: PostgreSQL (the checksum queries are PostgreSQL's) with credentials.
      mode: input.validation.mode ?? (input.database && engine === 'postgres' ? 'checksums' : 'off'),
    },
    hooks: planHooks(input.hooks),
    failBack: {
      catchUpDeadlineSeconds: input.failBack.catchUpDeadlineSeconds,
      pollSeconds: input.failBack.pollSeconds,
      renamePollSeconds: input.failBack.renamePollSeconds,
    },
    recreate: { max: recreateBound(input.green), greenReadySeconds: input.green.readyDeadlineMinutes * 60 },
    clients: {
      maxConnections: input.clients.maxConnections ?? null,
      maxTransactionSeconds: input.clients.maxTransactionSeconds ?? null,
      maxOldBlueSessions: input.clients.maxOldBlueSessions ?? null,
    },
    greenMaintenance: planGreenMaintenance(input.green, {
      engine,
      replication,
      currentEngineVersion: source.engineVersion,
      targetEngineVersion,
      hasDatabase: input.database !== undefined,
    }),
  };
};
