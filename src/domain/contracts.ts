/**
 * The ASL ↔ TypeScript contract: one schema per Task input. The ASL builds exactly these objects
 * with `Parameters`; handlers parse them at the boundary (a mismatch is a ContractViolationError).
 */
import { z } from 'zod';
import type { GreenMaintenanceResult } from './green-maintenance.ts';
import type { InspectionReport } from './inspection/index.ts';
import { StatementRef } from './sql-refs.ts';
import type { ValidationResult } from './validation/index.ts';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 timestamp');

export const LagPlanSchema = z.object({
  metric: z.enum(['ReplicaLag', 'OldestReplicationSlotLag']),
  unit: z.enum(['seconds', 'bytes']),
  readOn: z.enum(['green', 'blue']),
  threshold: z.number().nonnegative(),
  stableSamples: z.number().int().min(1),
});

export const DatabaseRefSchema = z
  .object({
    host: z.string(),
    port: z.number().int(),
    name: z.string(),
    user: z.string(),
    passwordParameter: z.string(),
    // Picks the SQL driver; optional so a state written before MySQL support still parses (postgres).
    engine: z.enum(['postgres', 'mysql', 'mariadb']).optional(),
  })
  .nullable();

export const PreflightInput = z.object({ input: z.unknown(), executionId: z.string().min(1) });

const PlanForCreate = z.object({
  sourceId: z.string(),
  sourceArn: z.string(),
  deploymentName: z.string(),
  executionId: z.string(),
  release: z.string().nullable(),
  currentEngineVersion: z.string(),
  targetEngineVersion: z.string(),
});

export const CreateGreenInput = z.object({
  plan: PlanForCreate,
  target: z.object({
    engineVersion: z.string().optional(),
    dbParameterGroupName: z.string().optional(),
    dbInstanceClass: z.string().optional(),
  }),
});

export const CheckGreenInput = z.object({
  deploymentId: z.string().min(1),
  lagDeadlineMinutes: z.number().positive(),
});

export const LagSampleSchema = z.object({ value: z.number().nullable(), at: z.string() });

export const ClientThresholdsSchema = z.object({
  maxConnections: z.number().int().nullable(),
  maxTransactionSeconds: z.number().int().nullable(),
  maxOldBlueSessions: z.number().int().nullable(),
});

export const CheckLagInput = z.object({
  lag: LagPlanSchema,
  sourceId: z.string(),
  greenInstanceId: z.string(),
  consecutiveOk: z.number().int().min(0),
  samples: z.array(LagSampleSchema),
  /** the replication-window guard (issue 14): blue's DDL guard of this execution; absent in old payloads */
  executionId: z.string().optional(),
  database: DatabaseRefSchema.optional(),
  /** read for its replication health (StatusDetails "Replication degraded"); absent in old payloads */
  deploymentId: z.string().nullable().optional(),
  /** RecheckLag only: clients.* thresholds that hold the switch (client-thresholds.ts) */
  clients: ClientThresholdsSchema.optional(),
});

export const WindowSchema = z
  .object({ days: z.array(z.string()), start: z.string(), end: z.string(), timezone: z.string() })
  .nullable();

export const CheckWindowInput = z.object({ window: WindowSchema, lagDeadlineMinutes: z.number().positive() });

export const PrepareApprovalInput = z.object({
  plan: z.object({
    sourceId: z.string(),
    engine: z.enum(['postgres', 'mysql', 'mariadb']).default('postgres'),
    currentEngineVersion: z.string(),
    targetEngineVersion: z.string(),
    replication: z.enum(['physical', 'logical', 'binlog']),
    approval: z.object({ approvers: z.array(z.string()), timeoutSeconds: z.number().int().positive() }),
    window: WindowSchema,
    switchover: z.object({ timeoutSeconds: z.number() }).optional(),
  }),
  source: z.object({
    instanceClass: z.string(),
    parameterGroup: z.string().nullable(),
    database: DatabaseRefSchema,
  }),
  target: CreateGreenInput.shape.target,
  deploymentId: z.string(),
  greenInstanceId: z.string(),
  lag: z.object({
    value: z.number().nullable(),
    unit: z.enum(['seconds', 'bytes']),
    metric: z.string(),
    samples: z.array(LagSampleSchema).optional(),
  }),
  migrations: z.object({
    verdict: z.enum(['pass', 'warn', 'fail', 'none']),
    summary: z.string(),
    statements: z.array(StatementRef),
  }),
  smokeSql: z.array(z.string()),
  database: DatabaseRefSchema,
  /** InstallDdlGuard's result; PrepareApproval reads what the guard saw on blue since then */
  executionId: z.string(),
  ddlGuard: z.object({
    mode: z.enum(['event-trigger', 'fingerprint', 'off']),
    freeze: z.boolean(),
    warnings: z.array(z.string()),
  }),
  /** Preflight's inspection report ($.preflight.database); null for engines without rules. */
  inspection: z
    .custom<InspectionReport>((v) => typeof v === 'object')
    .nullable()
    .optional(),
  /** ValidateData's result ($.validation), shown to approvers */
  validation: z
    .custom<ValidationResult>((v) => typeof v === 'object')
    .nullable()
    .optional(),
  /** the hook records so far ($.hookResults), for the approvers (src/domain/hooks.ts) */
  hooks: z.record(z.string(), z.array(z.looseObject({}))).optional(),
  /** MaintainGreen's result ($.greenMaintenance), shown to approvers */
  greenMaintenance: z
    .custom<GreenMaintenanceResult>((v) => typeof v === 'object')
    .nullable()
    .optional(),
});

export const SwitchoverInput = z.object({
  deploymentId: z.string().min(1),
  timeoutSeconds: z.number().int().min(30).max(3600),
});

export const CheckSwitchoverInput = z.object({
  deploymentId: z.string().min(1),
  bakeSeconds: z.number().int().min(0),
  /** blue's DbiResourceId read by Switchover before the switch; old blue must carry it */
  blueResourceId: z.string().nullable().optional(),
});

export const VerifyInput = z.object({
  sourceId: z.string(),
  deploymentId: z.string(),
  expectedResourceId: z.string(),
  oldBlueId: z.string().nullable(),
  alarmNames: z.array(z.string()),
  smokeSql: z.array(z.string()),
  database: DatabaseRefSchema,
  /** clients.maxOldBlueSessions (client-thresholds.ts); absent in old payloads */
  clients: ClientThresholdsSchema.optional(),
});

export const RetainInput = z.object({
  oldBlueId: z.string().min(1),
  oldBlueResourceId: z.string().min(1),
  retentionSeconds: z.number().int().min(0),
  executionId: z.string(),
  sourceId: z.string(),
});

/** What proves old blue at the snapshot and the delete: its name, resource id, execution and the production name. */
const OldBlueClaimFields = {
  oldBlueId: z.string().min(1),
  oldBlueResourceId: z.string().min(1),
  executionId: z.string().min(1),
  sourceId: z.string().min(1),
};

export const CleanupInput = z.object({
  deploymentId: z.string(),
  ...OldBlueClaimFields,
  /** the snapshot loop's poll: its fixed deadline is shortened to a bounded number of polls */
  pollSeconds: z.number().int().positive().optional(),
});

export const CheckSnapshotInput = z.object({ snapshotId: z.string().min(1) });

export const DeleteOldBlueInput = z.object({ ...OldBlueClaimFields, snapshotId: z.string().min(1) });

/** RecreateGreen (green.recreateOnDegraded): the broken window, the count so far and the bound. */
export const RecreateGreenInput = z.object({
  deploymentName: z.string().min(1),
  executionId: z.string(),
  createdDeploymentId: z.string().nullable().optional(),
  pollSeconds: z.number().int().positive(),
  window: z.object({ verdict: z.string(), reason: z.string().nullable(), fix: z.string().nullable() }),
  recreates: z.object({
    count: z.number().int().min(0),
    causes: z.array(
      z.object({
        at: z.string(),
        verdict: z.string(),
        reason: z.string().nullable(),
        fix: z.string().nullable(),
        deploymentId: z.string().nullable(),
      }),
    ),
  }),
  max: z.number().int().min(0),
  greenReadySeconds: z.number().positive(),
});

export const CompensateInput = z.object({
  deploymentName: z.string().min(1),
  executionId: z.string(),
  sourceId: z.string(),
  /** the id CreateGreen returned; null or absent when its outcome is unknown (it failed or timed out) */
  createdDeploymentId: z.string().nullable().optional(),
  /** the compensation loop's poll: its fixed deadline is shortened to a bounded number of polls */
  pollSeconds: z.number().int().positive().optional(),
});

export const CheckCompensationInput = z.object({
  deploymentId: z.string().nullable(),
  greenInstanceIds: z.array(z.string()),
});

export const NotifyInput = z.object({
  outcome: z.enum([
    'switched',
    'refused',
    'rolled-back',
    'compensation-stuck',
    'failed-after-switch',
    'cleanup-held',
    'held',
    'migration-failed',
    'reverse-broken',
    'failed-back',
    'fail-back-refused',
    'fail-back-stuck',
    'failed-after-fail-back',
  ]),
  executionId: z.string(),
  sourceId: z.string().optional(),
  summary: z.record(z.string(), z.unknown()),
});

export { isoTime };

/** ApplyMigrations: the user's document (its migrations block is read with the input schema's defaults). */
export const ApplyMigrationsInput = z.object({
  input: z.unknown(),
  executionId: z.string().min(1),
  database: DatabaseRefSchema,
  lockAttempts: z.number().int().min(0),
});

/** InstallDdlGuard: blue's database and the replication path decide how DDL is guarded. */
export const InstallDdlGuardInput = z.object({
  input: z.unknown(),
  executionId: z.string().min(1),
  database: DatabaseRefSchema,
  replication: z.enum(['physical', 'logical', 'binlog']),
});

/** ReleaseDdlGuard: the instances that may carry the guard (blue, or after the switch old blue and the new primary). */
export const ReleaseDdlGuardInput = z.object({
  executionId: z.string().min(1),
  database: DatabaseRefSchema,
  instanceIds: z.array(z.string().nullable()),
});
