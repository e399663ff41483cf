/** DeleteOldBlue: delete old blue only when its final snapshot is available and it is not protected. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { DeleteOldBlueInput } from '#domain/contracts';
import { CleanupRefusedError } from '#domain/errors';
import { taskHandler } from '#lib/task-handler';

export const makeDeleteOldBlueHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(DeleteOldBlueInput, async ({ oldBlueId, snapshotId }) => {
    const oldBlue = await gw.rds.describeInstance(oldBlueId);
    if (!oldBlue) return { deleted: false, status: 'already-gone' };
    if (['deleting', 'deleted'].includes(oldBlue.status)) return { deleted: true, status: oldBlue.status };
    const snapshot = await gw.rds.describeSnapshot(snapshotId);
    if (snapshot?.status !== 'available' || snapshot.instanceId !== oldBlueId) {
      throw new CleanupRefusedError(
        `final snapshot ${snapshotId} of ${oldBlueId} is ${snapshot?.status ?? 'missing'}; old blue kept`,
      );
    }
    if (oldBlue.deletionProtection) {
      // Deletion protection is a person's decision; Switchyard does not override it.
      throw new CleanupRefusedError(
        `${oldBlueId} has deletion protection on; old blue kept, snapshot ${snapshotId} exists`,
      );
    }
    const status = await gw.rds.deleteInstance(oldBlueId);
    return { deleted: true, status };
  });

export const handler = makeDeleteOldBlueHandler({ rds: rdsGateway(), clock: systemClock });
