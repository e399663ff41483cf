/** Cleanup: delete the Blue/Green object (keeping both environments) and start old blue's final snapshot. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { boundedLoopSeconds, SNAPSHOT_DEADLINE_SECONDS } from '#domain/budget';
import { CleanupInput } from '#domain/contracts';
import { CleanupRefusedError } from '#domain/errors';
import { finalSnapshotNameFor, TAGS } from '#domain/names';
import { addSeconds } from '#domain/plan';
import { taskHandler } from '#lib/task-handler';

export const makeCleanupHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CleanupInput, async ({ deploymentId, oldBlueId, executionId, pollSeconds }) => {
    const deployment = await gw.rds.describeDeployment(deploymentId);
    if (deployment && deployment.status.toUpperCase() !== 'SWITCHOVER_COMPLETED') {
      throw new CleanupRefusedError(
        `deployment ${deploymentId} is ${deployment.status}; cleanup runs only after a completed switch`,
      );
    }
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
      deadline: addSeconds(gw.clock(), boundedLoopSeconds(SNAPSHOT_DEADLINE_SECONDS, pollSeconds)),
    };
  });

export const handler = makeCleanupHandler({ rds: rdsGateway(), clock: systemClock });
