/**
 * Cleanup: delete the Blue/Green object (keeping both environments) and start old blue's final
 * snapshot, but only after re-proving old blue (the retention lasted hours; a person may have failed
 * back) and only when nobody put a hold on the run.
 */

import { type Gateways, metricsGateway, rdsGateway, systemClock } from '#aws/gateways';
import { boundedLoopSeconds, SNAPSHOT_DEADLINE_SECONDS } from '#domain/budget';
import { CleanupInput } from '#domain/contracts';
import { hasSwitched, proveOldBlue } from '#domain/deletion';
import { CleanupRefusedError, DeletionHeldError, OldBlueNotProvenError } from '#domain/errors';
import { finalSnapshotNameFor, TAGS } from '#domain/names';
import { addSeconds } from '#domain/plan';
import { gatherOldBlueEvidence } from '#lib/old-blue-evidence';
import { taskHandler } from '#lib/task-handler';

export const makeCleanupHandler = (gw: Pick<Gateways, 'rds' | 'metrics' | 'clock'>) =>
  taskHandler(CleanupInput, async (input) => {
    const { deploymentId, oldBlueId, oldBlueResourceId, executionId, sourceId, pollSeconds } = input;
    const deployment = await gw.rds.describeDeployment(deploymentId);
    if (deployment && hasSwitched(deployment.status) !== 'switched') {
      throw new CleanupRefusedError(
        `deployment ${deploymentId} is ${deployment.status}; cleanup runs only after a completed switch`,
      );
    }
    if (deployment && deployment.tags[TAGS.hold] !== undefined)
      throw new DeletionHeldError(
        `deployment ${deploymentId} carries ${TAGS.hold}=${deployment.tags[TAGS.hold]}; cleanup stopped`,
      );
    const claim = { instanceId: oldBlueId, resourceId: oldBlueResourceId, executionId, sourceId };
    const proof = proveOldBlue(claim, await gatherOldBlueEvidence(gw, claim));
    if (proof.verdict === 'refuse') {
      const message = `${oldBlueId} (${oldBlueResourceId}) is not snapshotted or deleted: ${proof.reasons.join('; ')}`;
      throw proof.held ? new DeletionHeldError(message) : new OldBlueNotProvenError(message);
    }
    if (proof.verdict !== 'delete')
      throw new OldBlueNotProvenError(
        `old blue ${oldBlueId} (${oldBlueResourceId}) is ${proof.verdict} before its final snapshot; a person must look`,
      );
    // Never DeleteTarget after a switch: "green" is now production.
    const deleted = deployment ? await gw.rds.deleteDeployment(deploymentId, false) : undefined;
    const snapshotId = finalSnapshotNameFor(oldBlueId, executionId);
    const existing = await gw.rds.describeSnapshot(snapshotId);
    if (!existing)
      await gw.rds.createSnapshot(snapshotId, oldBlueId, {
        [TAGS.execution]: executionId,
        [TAGS.role]: 'final-snapshot',
      });
    return {
      snapshotId,
      deploymentDeleted: deployment ? (deleted?.status ?? 'gone') : 'already-gone',
      // Fixed 6 h, shortened when polls are short so the loop stays inside the history budget.
      deadline: addSeconds(gw.clock(), boundedLoopSeconds(SNAPSHOT_DEADLINE_SECONDS, pollSeconds ?? 60)),
    };
  });

export const handler = makeCleanupHandler({
  rds: rdsGateway(),
  metrics: metricsGateway(),
  clock: systemClock,
});
