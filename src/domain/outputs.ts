/**
 * The other half of the ASL ↔ TypeScript contract: one schema per Task handler's result, keyed by its
 * serverless function key. test/asl checks every `ResultSelector` path and every `Choice` path of the ASL
 * against them; the path tests parse every real result with them. Loose objects: a handler may return
 * more than the state machine reads, never less, never another type.
 */
import { z } from 'zod';
import {
  ClientThresholdsSchema,
  isoTime,
  LagPlanSchema,
  LagSampleSchema,
  WindowSchema,
} from './contracts.ts';
import { GreenMaintenancePlanSchema, GreenMaintenanceResultSchema } from './green-maintenance.ts';
import { HOOK_KINDS, HOOK_POINTS } from './hooks.ts';
import {
  EndReverseReplicationOutput,
  PrepareReverseReplicationOutput,
  ReverseStatusOutput,
} from './reverse-contracts.ts';
import { ValidateDataOutput, ValidationPlanSchema } from './validation/contract.ts';

const smokeResults = z.array(z.looseObject({ sql: z.string(), ok: z.boolean() }));

const PlanSchema = z.looseObject({
  sourceId: z.string(),
  sourceArn: z.string(),
  engine: z.enum(['postgres', 'mysql', 'mariadb']),
  currentEngineVersion: z.string(),
  targetEngineVersion: z.string(),
  replication: z.enum(['physical', 'logical', 'binlog']),
  deploymentName: z.string(),
  executionId: z.string(),
  release: z.string().nullable(),
  lag: LagPlanSchema,
  waits: z.object({
    greenPollSeconds: z.number(),
    lagPollSeconds: z.number(),
    switchoverPollSeconds: z.number(),
    verifyPollSeconds: z.number(),
    retentionSeconds: z.number(),
    greenFallbackSeconds: z.number(),
    switchoverFallbackSeconds: z.number(),
  }),
  deadlines: z.object({ greenReady: isoTime, switchBy: isoTime }),
  target: z.looseObject({}),
  verify: z.object({ alarmNames: z.array(z.string()) }),
  smoke: z.object({ green: z.array(z.string()), verify: z.array(z.string()) }),
  approval: z.object({ required: z.boolean(), approvers: z.array(z.string()), timeoutSeconds: z.number() }),
  switchover: z.object({ timeoutSeconds: z.number() }),
  lagDeadlineMinutes: z.number(),
  bakeSeconds: z.number(),
  window: WindowSchema,
  validation: ValidationPlanSchema,
  hooks: z.looseObject({
    at: z.object(Object.fromEntries(HOOK_POINTS.map((p) => [p, z.boolean()]))),
    ...Object.fromEntries(
      HOOK_POINTS.map((p) => [p, z.array(z.looseObject({ name: z.string(), kind: z.enum(HOOK_KINDS) }))]),
    ),
  }),
  reverse: z.object({ enabled: z.boolean(), reason: z.string() }).optional(),
  failBack: z.object({
    catchUpDeadlineSeconds: z.number(),
    pollSeconds: z.number(),
    renamePollSeconds: z.number(),
  }),
  recreate: z.object({ max: z.number().int().min(0), greenReadySeconds: z.number() }),
  clients: ClientThresholdsSchema,
  greenMaintenance: GreenMaintenancePlanSchema,
});

export const PreflightOutput = z.looseObject({
  plan: PlanSchema,
  source: z.looseObject({
    arn: z.string(),
    engineVersion: z.string(),
    instanceClass: z.string(),
    parameterGroup: z.string().nullable(),
    database: z.looseObject({}).nullable(),
  }),
  migrations: z.looseObject({ verdict: z.string(), summary: z.string() }),
  warnings: z.array(z.string()),
  /** blue's schema inspection report, null when the engine is not inspected */
  database: z.looseObject({}).nullable(),
});

export const CreateGreenOutput = z.looseObject({
  deploymentId: z.string(),
  deploymentName: z.string(),
  adopted: z.boolean(),
  createdAt: isoTime,
});

export const CheckGreenOutput = z.looseObject({
  verdict: z.enum(['ready', 'wait', 'failed']),
  reasons: z.array(z.string()),
  deploymentStatus: z.string(),
  greenInstanceId: z.string().nullable(),
  greenResourceId: z.string().nullable(),
  checkedAt: isoTime,
  lagDeadline: isoTime,
});

export const CheckLagOutput = z.looseObject({
  value: z.number().nullable(),
  unit: z.enum(['seconds', 'bytes']),
  metric: z.string(),
  instanceId: z.string(),
  threshold: z.number(),
  withinThreshold: z.boolean(),
  consecutiveOk: z.number().int(),
  converged: z.boolean(),
  samples: z.array(LagSampleSchema),
  /** clients.* thresholds at the recheck (client-thresholds.ts); held: false when none is set */
  clients: z.looseObject({ held: z.boolean(), reason: z.string().nullable() }),
  /** the replication-window guard's judgement (replication-window.ts) */
  window: z.object({
    healthy: z.boolean(),
    verdict: z.enum(['healthy', 'ddl-on-blue', 'replication-degraded']),
    reason: z.string().nullable(),
    fix: z.string().nullable(),
  }),
  checkedAt: isoTime,
});

export const CheckWindowOutput = z.looseObject({
  inWindow: z.boolean(),
  opensAt: isoTime,
  closesAt: isoTime,
  checkedAt: isoTime,
  recheckDeadline: isoTime,
});

export const PrepareApprovalOutput = z.looseObject({
  approvers: z.array(z.string()),
  expiresAt: isoTime,
  request: z.looseObject({ database: z.string(), deploymentId: z.string() }),
  smoke: smokeResults,
});

export const RequestApprovalOutput = z.looseObject({ approvalId: z.string() });

export const SwitchoverOutput = z.looseObject({
  startedAt: isoTime,
  deadline: isoTime,
  status: z.string(),
  blueResourceId: z.string().nullable(),
});

export const CheckSwitchoverOutput = z.looseObject({
  progress: z.enum(['completed', 'failed', 'in-progress', 'not-started']),
  oldBlueId: z.string().nullable(),
  oldBlueResourceId: z.string().nullable(),
  detail: z.string(),
  checkedAt: isoTime,
  bakeUntil: isoTime,
});

export const VerifyOutput = z.looseObject({
  ok: z.boolean(),
  problems: z.array(z.string()),
  smoke: smokeResults,
  /** sequences behind their column on the new primary (sequences.ts) */
  sequences: z.array(z.looseObject({ sequence: z.string(), table: z.string(), column: z.string() })),
  /** client sessions still connected to old blue (null: not readable) */
  oldBlueSessions: z.number().int().nullable(),
  checkedAt: isoTime,
});

export const RetainOutput = z.looseObject({
  oldBlueId: z.string(),
  oldBlueResourceId: z.string(),
  retainUntil: isoTime,
  /** the rollback window's timeout: the retention, at least 1 s (a Task timeout is a positive integer) */
  windowSeconds: z.number().int().positive(),
});

export const CleanupOutput = z.looseObject({
  snapshotId: z.string(),
  deploymentDeleted: z.string(),
  deadline: isoTime,
});

export const CheckSnapshotOutput = z.looseObject({ status: z.string(), checkedAt: isoTime });

export const DeleteOldBlueOutput = z.looseObject({ deleted: z.boolean(), status: z.string() });

export const CompensateOutput = z.looseObject({
  deploymentId: z.string().nullable(),
  greenInstanceIds: z.array(z.string()),
  action: z.enum(['nothing-created', 'already-deleting', 'deleted-with-target']),
  deadline: isoTime,
});

export const CheckCompensationOutput = z.looseObject({
  done: z.boolean(),
  remaining: z.array(z.string()),
  checkedAt: isoTime,
});

export const NotifyOutput = z.looseObject({
  outcome: z.string(),
  subject: z.string(),
  messageId: z.string(),
  /** one readable line: the Fail state's Cause (CausePath $.notified.reason) */
  reason: z.string(),
});

export const ApplyMigrationsOutput = z.looseObject({
  verdict: z.enum(['done', 'continue', 'lock-timeout', 'failed']),
  lockAttempts: z.number(),
  retryInSeconds: z.number(),
  total: z.number(),
  applied: z.number(),
  units: z.array(z.looseObject({ key: z.string(), outcome: z.string() })),
  failure: z.looseObject({ error: z.string() }).nullable(),
  noUndo: z.string().nullable(),
  checkedAt: isoTime.nullable(),
});

export const InstallDdlGuardOutput = z.looseObject({
  mode: z.string(),
  freeze: z.boolean(),
  warnings: z.array(z.string()),
  database: z.string().nullable(),
  triggers: z.array(z.string()),
});

export const ReleaseDdlGuardOutput = z.looseObject({
  allReleased: z.boolean(),
  instances: z.array(z.looseObject({ instanceId: z.string(), released: z.boolean(), detail: z.string() })),
  observation: z.looseObject({}).nullable(),
  summary: z.string(),
});

/** AwaitRdsEvent's own result (Step Functions ignores it: the callback or the timeout ends the Task). */
export const AwaitRdsEventOutput = z.looseObject({ action: z.enum(['woke', 'ignored']) });
// ---- the fail-back branch (issue #15) -----------------------------------------------------------------

/** OpenRollbackWindow's own result (Step Functions ignores it: the decision arrives by SendTaskSuccess). */
export const OpenRollbackWindowOutput = z.looseObject({ windowId: z.string(), links: z.array(z.string()) });

export const BlockWritesOutput = z.looseObject({
  failedName: z.string(),
  newPrimaryId: z.string(),
  blockedAt: isoTime,
  catchUpDeadline: isoTime,
  terminatedSessions: z.number().int(),
  detail: z.string(),
});

export const CheckReverseCatchUpOutput = z.looseObject({
  verdict: z.enum(['converged', 'wait', 'refuse']),
  reason: z.string().nullable(),
  state: z.enum(['absent', 'prepared', 'replicating', 'broken']),
  lag: z.number().nullable(),
  lagUnit: z.enum(['bytes', 'transactions']),
  detail: z.string(),
  checkedAt: isoTime,
  /** reads of the stream in this invocation, nudges between them, and how long they took (CATCH_UP_POLL) */
  reads: z.number().int().positive(),
  nudges: z.number().int().nonnegative(),
  nudgeError: z.string().nullable(),
  readForMs: z.number().int().nonnegative(),
});

export const UndoWriteBlockOutput = z.looseObject({
  newPrimaryId: z.string(),
  oldBlueId: z.string(),
  detail: z.string(),
  windowSeconds: z.number().int().positive(),
});

const SyncFailBackSequencesOutput = z.looseObject({
  moves: z.array(z.looseObject({ sequence: z.string(), to: z.string() })),
  missing: z.array(z.string()),
  detail: z.string(),
});

const StopReverseReplicationOutput = z.looseObject({ stopped: z.boolean(), stoppedAt: isoTime });

export const OldBlueWritableOutput = z.looseObject({
  writable: z.boolean(),
  oldBlueId: z.string(),
  detail: z.string(),
  deadline: z.string(),
  checkedAt: z.string(),
});

export const HandOverToOldBlueOutput = z.looseObject({
  sequences: SyncFailBackSequencesOutput,
  reverse: StopReverseReplicationOutput,
  oldBlue: OldBlueWritableOutput,
});

export const RenameForFailBackOutput = z.looseObject({
  step: z.string(),
  action: z.enum(['rename', 'none']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  resourceId: z.string().nullable(),
  detail: z.string(),
  deadline: isoTime,
});

export const CheckRenameOutput = z.looseObject({
  done: z.boolean(),
  currentName: z.string().nullable(),
  status: z.string(),
  checkedAt: isoTime,
});

export const VerifyFailBackOutput = z.looseObject({
  ok: z.boolean(),
  problems: z.array(z.string()),
  writable: z.boolean().nullable(),
  smoke: smokeResults,
  checkedAt: isoTime,
});

export const DeleteDeploymentAfterFailBackOutput = z.looseObject({
  deleted: z.boolean(),
  detail: z.string(),
});

export const RecreateGreenOutput = z.looseObject({
  count: z.number().int(),
  causes: z.array(z.looseObject({ at: isoTime, verdict: z.string() })),
  deletion: z.looseObject({
    deploymentId: z.string().nullable(),
    greenInstanceIds: z.array(z.string()),
    action: z.string(),
    deadline: isoTime,
  }),
  greenReady: isoTime,
});
export const MaintainGreenOutput = GreenMaintenanceResultSchema.loose();

/** serverless function key → the schema of its handler's result. */
const HookEndpointSchema = z
  .looseObject({
    instanceId: z.string(),
    host: z.string().nullable(),
    port: z.number().nullable(),
    engineVersion: z.string(),
  })
  .nullable();

export const HookFactsOutput = z.looseObject({
  point: z.enum(HOOK_POINTS),
  executionId: z.string(),
  release: z.string().nullable(),
  engine: z.string(),
  green: HookEndpointSchema,
  blue: HookEndpointSchema,
  environment: z.array(z.object({ Name: z.string(), Value: z.string() })),
});

export const RecordHookAttemptOutput = z.looseObject({
  name: z.string(),
  point: z.enum(HOOK_POINTS),
  kind: z.enum(HOOK_KINDS),
  label: z.string(),
  outcome: z.enum(['passed', 'failed', 'timed-out']),
  onFailure: z.enum(['abort', 'warn']),
  attempts: z.number().int().min(1),
  durationMs: z.number().min(0),
  summary: z.string(),
  next: z.enum(['retry', 'continue', 'abort']),
  cause: z.string().nullable(),
});

export const TASK_OUTPUTS: Record<string, z.ZodType> = {
  preflight: PreflightOutput,
  createGreen: CreateGreenOutput,
  checkGreen: CheckGreenOutput,
  checkLag: CheckLagOutput,
  checkWindow: CheckWindowOutput,
  prepareApproval: PrepareApprovalOutput,
  requestApproval: RequestApprovalOutput,
  switchover: SwitchoverOutput,
  checkSwitchover: CheckSwitchoverOutput,
  verify: VerifyOutput,
  retain: RetainOutput,
  cleanup: CleanupOutput,
  checkSnapshot: CheckSnapshotOutput,
  deleteOldBlue: DeleteOldBlueOutput,
  compensate: CompensateOutput,
  recreateGreen: RecreateGreenOutput,
  checkCompensation: CheckCompensationOutput,
  notify: NotifyOutput,
  applyMigrations: ApplyMigrationsOutput,
  installDdlGuard: InstallDdlGuardOutput,
  releaseDdlGuard: ReleaseDdlGuardOutput,
  validateData: ValidateDataOutput,
  hookFacts: HookFactsOutput,
  recordHookAttempt: RecordHookAttemptOutput,
  prepareReverseReplication: PrepareReverseReplicationOutput,
  startReverseReplication: ReverseStatusOutput,
  endReverseReplication: EndReverseReplicationOutput,
  awaitRdsEvent: AwaitRdsEventOutput,
  openRollbackWindow: OpenRollbackWindowOutput,
  blockWrites: BlockWritesOutput,
  checkReverseCatchUp: CheckReverseCatchUpOutput,
  undoWriteBlock: UndoWriteBlockOutput,
  handOverToOldBlue: HandOverToOldBlueOutput,
  checkOldBlueWritable: OldBlueWritableOutput,
  measureRollbackWindow: z.looseObject({ detail: z.string(), windowSeconds: z.number().int().positive() }),
  renameForFailBack: RenameForFailBackOutput,
  checkRename: CheckRenameOutput,
  verifyFailBack: VerifyFailBackOutput,
  deleteDeploymentAfterFailBack: DeleteDeploymentAfterFailBackOutput,
  maintainGreen: MaintainGreenOutput,
};
