/** CheckSnapshot: the final snapshot's status. */
import { CheckSnapshotInput } from '#domain/contracts';
import { defaultGateways, type Gateways } from '#aws/gateways';
import { taskHandler } from '#lib/task-handler';

export const makeCheckSnapshotHandler = (gw: Gateways) =>
  taskHandler(CheckSnapshotInput, async ({ snapshotId }) => {
    const snapshot = await gw.rds.describeSnapshot(snapshotId);
    return { status: snapshot?.status ?? 'missing', checkedAt: gw.clock().toISOString() };
  });

export const handler = makeCheckSnapshotHandler(defaultGateways());
