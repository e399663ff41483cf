/**
 * EndReverseReplication, when the rollback window is over and before Cleanup snapshots and deletes old
 * blue: removes the stream on both sides (the new primary's slot would otherwise keep WAL forever).
 * Idempotent; names derived from this execution only.
 */
import { type Gateways, rdsGateway, reverseReplicationGateway, systemClock } from '#aws/gateways';
import { StartReverseReplicationInput } from '#domain/reverse-contracts';
import { executionNameOf } from '#domain/reverse-replication';
import { reverseTargetByResourceId } from '#lib/reverse-targets';
import { taskHandler } from '#lib/task-handler';

export const makeEndReverseReplicationHandler = (gw: Pick<Gateways, 'rds' | 'reverse' | 'clock'>) =>
  taskHandler(StartReverseReplicationInput, async (input) => {
    const checkedAt = gw.clock().toISOString();
    if (!input.reverse.enabled || !input.database || !input.oldBlueResourceId)
      return {
        ended: false,
        detail: input.reverse.enabled ? 'nothing to end' : input.reverse.reason,
        checkedAt,
      };
    const [newPrimary, oldBlue] = await Promise.all([
      reverseTargetByResourceId(gw, input.database, input.newPrimaryResourceId, 'new primary'),
      reverseTargetByResourceId(gw, input.database, input.oldBlueResourceId, 'old blue'),
    ]);
    await gw.reverse.stop({ newPrimary, oldBlue, executionName: executionNameOf(input.executionId) });
    return {
      ended: true,
      detail: `reverse stream ${newPrimary.host} → ${oldBlue.host} removed`,
      checkedAt,
    };
  });

export const handler = makeEndReverseReplicationHandler({
  rds: rdsGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
});
