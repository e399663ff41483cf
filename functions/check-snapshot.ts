/** CheckSnapshot: the final snapshot's status. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckSnapshotInput } from '#domain/contracts';
import { taskHandler } from '#lib/task-handler';

export const makeCheckSnapshotHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CheckSnapshotInput, async ({ snapshotId }) => {
    const snapshot = await gw.rds.describeSnapshot(snapshotId);
    return { status: snapshot?.status ?? 'missing', checkedAt: gw.clock().toISOString() };
  });

export const handler = makeCheckSnapshotHandler({ rds: rdsGateway(), clock: systemClock });
