/**
 * The backstop's decision: what to do about a Switchyard execution that ended outside its own
 * compensation paths (a States.Runtime error, a history or payload limit, a timeout, StopExecution,
 * a notification that could not be sent). Pure: the caller reads the execution and the deployment
 * tagged with it, this decides, the caller acts.
 */
import { z } from 'zod';
import { TAGS } from './names.ts';

/** Terminal Fail states the pipeline reaches only after its own notification went out. */
export const PIPELINE_HANDLED_ERRORS = [
  'Switchyard.Refused',
  'Switchyard.RolledBack',
  'Switchyard.FailedAfterSwitch',
  'Switchyard.CleanupIncomplete',
  'Switchyard.Held',
  'Switchyard.MigrationFailed',
  'Switchyard.FailedAfterFailBack',
  'Switchyard.FailBackIncomplete',
] as const;

/** States entered only once RDS may have been asked to switch (or has switched). */
export const SWITCH_STATES = [
  'Switchover',
  'WaitForSwitchover',
  'CheckSwitchover',
  'IsSwitchoverDone',
  'SwitchoverUnresolved',
  'Verify',
  'IsVerified',
  'WaitDuringBake',
  'VerificationFailed',
  'Retain',
  'StartRollbackWindow',
  'OpenRollbackWindow',
  'KeepOldBlue',
  'Cleanup',
  'WaitForSnapshot',
  'CheckSnapshot',
  'IsSnapshotReady',
  'SnapshotFailed',
  'DeleteOldBlue',
  'NotifySuccess',
  'AlertAndHold',
  'NotifyCleanupHeld',
  // the fail-back branch: old blue and the new primary both exist; nothing may be destroyed
  'CountFailBackAttempt',
  'BlockWritesOnNewPrimary',
  'CheckReverseCatchUp',
  'IsReverseCaughtUp',
  'WaitForReverseCatchUp',
  'ReverseNotConverged',
  'ReverseDeadlinePassed',
  'HandOverToOldBlue',
  'IsOldBlueWritable',
  'WaitForOldBlueWritable',
  'CheckOldBlueWritable',
  'OldBlueNotWritable',
  'HandOverBegun',
  'RenameNewPrimaryAside',
  'WaitForAsideRename',
  'CheckAsideRename',
  'IsAsideRenamed',
  'RenameOldBlueToProduction',
  'WaitForProductionRename',
  'CheckProductionRename',
  'IsProductionRenamed',
  'ProductionRenameDeadlinePassed',
  'RenameDeadlinePassed',
  'RestoreProductionName',
  'IsRestoreRenaming',
  'WaitForRestoreRename',
  'CheckRestoreRename',
  'IsProductionRestored',
  'UnblockWrites',
  'ReopenRollbackWindow',
  'NotifyFailBackRefused',
  'MayFailBackAgain',
  'VerifyAfterFailBack',
  'IsFailBackVerified',
  'FailBackVerificationFailed',
  'NotifyFailedBack',
  'NotifyFailedAfterFailBack',
  'NotifyFailBackStuck',
] as const;

/** Put on a deployment or instance by a person (`switchyard hold`): nothing is deleted automatically. */
export const HOLD_TAG = TAGS.hold;

export interface ExecutionFacts {
  executionArn: string;
  status: string;
  error: string | null;
  cause: string | null;
  /** States entered, oldest first (from the execution history). */
  statesEntered: string[];
}

export interface TaggedDeployment {
  id: string;
  status: string;
  tags: Record<string, string>;
}

export type ReconcileAction =
  /** the execution is running or succeeded: the pipeline owns it */
  | 'none'
  /** before the switch: delete green through the same path as Compensate */
  | 'compensate'
  /** after (or possibly during) the switch: destroy nothing, page the owners */
  | 'hold'
  /** nothing of this execution is left in RDS */
  | 'nothing-left'
  /** RDS is already deleting the deployment */
  | 'already-deleting';

export interface ReconcileDecision {
  action: ReconcileAction;
  /** publish to the topic (false only when the pipeline's own notification already said it all) */
  notify: boolean;
  /** one sentence: why */
  reason: string;
  lastState: string | null;
}

const ENDED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);
const SWITCHING = new Set<string>(SWITCH_STATES);

/** True once the execution entered a state that may have asked RDS to switch. */
export const reachedSwitch = (statesEntered: readonly string[]): boolean =>
  statesEntered.some((s) => SWITCHING.has(s));

export const decideReconcile = (
  execution: ExecutionFacts,
  deployment: TaggedDeployment | undefined,
): ReconcileDecision => {
  const lastState = execution.statesEntered.at(-1) ?? null;
  const decide = (action: ReconcileAction, notify: boolean, reason: string): ReconcileDecision => ({
    action,
    notify,
    reason,
    lastState,
  });
  if (!ENDED.has(execution.status)) {
    return decide('none', false, `execution is ${execution.status}; the state machine owns it`);
  }
  // The pipeline's own end states come after its notification: speak only if something is left to do.
  const handled = (PIPELINE_HANDLED_ERRORS as readonly string[]).includes(execution.error ?? '');
  const status = deployment?.status.toUpperCase();
  if (deployment && deployment.tags[HOLD_TAG] !== undefined) {
    return decide('hold', !handled, `deployment ${deployment.id} carries ${HOLD_TAG}; nothing is deleted`);
  }
  if (status === 'SWITCHOVER_COMPLETED') {
    return decide('hold', !handled, `deployment ${deployment!.id} switched over; green is production`);
  }
  if (status === 'SWITCHOVER_IN_PROGRESS') {
    return decide('hold', true, `deployment ${deployment!.id} is switching over; its outcome is unknown`);
  }
  if (!deployment && execution.statesEntered.includes('NotifySuccess')) {
    // Switched, verified and cleaned up; only the closing notification failed (NotificationFailed).
    return decide('nothing-left', !handled, 'the run switched and cleaned up; only its notification failed');
  }
  if (!deployment && reachedSwitch(execution.statesEntered)) {
    return decide(
      'hold',
      !handled,
      `the run reached ${lastState} after the switch and its deployment is gone; old blue is kept`,
    );
  }
  if (status === 'DELETING') {
    return decide('already-deleting', !handled, `deployment ${deployment!.id} is already being deleted`);
  }
  if (deployment) {
    return decide(
      'compensate',
      true,
      `deployment ${deployment.id} is ${deployment.status} and never switched; green is deleted`,
    );
  }
  return decide('nothing-left', !handled, 'no deployment tagged with this execution exists');
};

/** What invokes the reconciler: the EventBridge status-change rule, or the schedule's sweep. */
export const ReconcileEvent = z.union([
  z.looseObject({
    source: z.literal('aws.states'),
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z.looseObject({
      executionArn: z.string().startsWith('arn:', 'must be an execution ARN'),
      status: z.string(),
    }),
  }),
  z.strictObject({ sweep: z.literal(true) }),
]);
export type ReconcileEvent = z.output<typeof ReconcileEvent>;
