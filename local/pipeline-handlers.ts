/**
 * The pipeline's Task handlers by serverless function key, built over given gateways. The rehearsal
 * and the path tests bind the ASL's Task states through this table; the approval functions have
 * their own wiring (src/approval) and are bound by the caller.
 */
import { makeApplyMigrationsHandler } from '../functions/apply-migrations.ts';
import { makeBlockWritesHandler } from '../functions/block-writes.ts';
import { makeCheckCompensationHandler } from '../functions/check-compensation.ts';
import { makeCheckGreenHandler } from '../functions/check-green.ts';
import { makeCheckLagHandler } from '../functions/check-lag.ts';
import { makeCheckOldBlueWritableHandler } from '../functions/check-old-blue-writable.ts';
import { makeCheckRenameHandler } from '../functions/check-rename.ts';
import { makeCheckReverseCatchUpHandler } from '../functions/check-reverse-catch-up.ts';
import { makeCheckSnapshotHandler } from '../functions/check-snapshot.ts';
import { makeCheckSwitchoverHandler } from '../functions/check-switchover.ts';
import { makeCheckWindowHandler } from '../functions/check-window.ts';
import { makeCleanupHandler } from '../functions/cleanup.ts';
import { makeCompensateHandler } from '../functions/compensate.ts';
import { makeCreateGreenHandler } from '../functions/create-green.ts';
import { makeDeleteDeploymentAfterFailBackHandler } from '../functions/delete-deployment-after-fail-back.ts';
import { makeDeleteOldBlueHandler } from '../functions/delete-old-blue.ts';
import { makeEndReverseReplicationHandler } from '../functions/end-reverse-replication.ts';
import { makeHandOverToOldBlueHandler } from '../functions/hand-over-to-old-blue.ts';
import { makeHookFactsHandler } from '../functions/hook-facts.ts';
import { makeInstallDdlGuardHandler } from '../functions/install-ddl-guard.ts';
import { makeMaintainGreenHandler } from '../functions/maintain-green.ts';
import { makeMeasureRollbackWindowHandler } from '../functions/measure-rollback-window.ts';
import { makeNotifyHandler } from '../functions/notify.ts';
import { makePreflightHandler } from '../functions/preflight.ts';
import { makePrepareApprovalHandler } from '../functions/prepare-approval.ts';
import { makePrepareReverseReplicationHandler } from '../functions/prepare-reverse-replication.ts';
import { makeRecordHookAttemptHandler } from '../functions/record-hook-attempt.ts';
import { makeRecreateGreenHandler } from '../functions/recreate-green.ts';
import { makeReleaseDdlGuardHandler } from '../functions/release-ddl-guard.ts';
import { makeRenameForFailBackHandler } from '../functions/rename-for-fail-back.ts';
import { makeRetainHandler } from '../functions/retain.ts';
import { makeStartReverseReplicationHandler } from '../functions/start-reverse-replication.ts';
import { makeSwitchoverHandler } from '../functions/switchover.ts';
import { makeUndoWriteBlockHandler } from '../functions/undo-write-block.ts';
import { makeValidateDataHandler } from '../functions/validate-data.ts';
import { makeVerifyHandler } from '../functions/verify.ts';
import { makeVerifyFailBackHandler } from '../functions/verify-fail-back.ts';
import type { Gateways } from '../src/aws/gateways.ts';
import type { DeclaredHooks } from '../src/domain/hooks.ts';
import type { GateRunner } from '../src/lib/migration-gate.ts';

export type LambdaLike = (event: unknown, context: object) => Promise<unknown>;

export const pipelineHandlers = (
  gw: Gateways,
  gate: GateRunner,
  declaredHooks?: DeclaredHooks,
): Record<string, LambdaLike> => {
  const table = {
    preflight: makePreflightHandler(gw, gate, declaredHooks),
    applyMigrations: makeApplyMigrationsHandler(gw),
    installDdlGuard: makeInstallDdlGuardHandler(gw),
    releaseDdlGuard: makeReleaseDdlGuardHandler(gw),
    createGreen: makeCreateGreenHandler(gw),
    checkGreen: makeCheckGreenHandler(gw),
    checkLag: makeCheckLagHandler(gw),
    checkWindow: makeCheckWindowHandler(gw),
    validateData: makeValidateDataHandler(gw),
    maintainGreen: makeMaintainGreenHandler(gw),
    prepareApproval: makePrepareApprovalHandler(gw),
    switchover: makeSwitchoverHandler(gw),
    checkSwitchover: makeCheckSwitchoverHandler(gw),
    verify: makeVerifyHandler(gw),
    retain: makeRetainHandler(gw),
    cleanup: makeCleanupHandler(gw),
    checkSnapshot: makeCheckSnapshotHandler(gw),
    deleteOldBlue: makeDeleteOldBlueHandler(gw),
    compensate: makeCompensateHandler(gw),
    recreateGreen: makeRecreateGreenHandler(gw),
    checkCompensation: makeCheckCompensationHandler(gw),
    notify: makeNotifyHandler(gw),
    hookFacts: makeHookFactsHandler(gw),
    recordHookAttempt: makeRecordHookAttemptHandler(gw),
    prepareReverseReplication: makePrepareReverseReplicationHandler(gw),
    startReverseReplication: makeStartReverseReplicationHandler(gw),
    endReverseReplication: makeEndReverseReplicationHandler(gw),
    // the fail-back branch (openRollbackWindow, a callback task, is bound by the caller like requestApproval)
    blockWrites: makeBlockWritesHandler(gw),
    checkReverseCatchUp: makeCheckReverseCatchUpHandler(gw),
    undoWriteBlock: makeUndoWriteBlockHandler(gw),
    handOverToOldBlue: makeHandOverToOldBlueHandler(gw),
    renameForFailBack: makeRenameForFailBackHandler(gw),
    checkOldBlueWritable: makeCheckOldBlueWritableHandler(gw),
    checkRename: makeCheckRenameHandler(gw),
    measureRollbackWindow: makeMeasureRollbackWindowHandler(gw),
    verifyFailBack: makeVerifyFailBackHandler(gw),
    deleteDeploymentAfterFailBack: makeDeleteDeploymentAfterFailBackHandler(gw),
  };
  return table as unknown as Record<string, LambdaLike>;
};
