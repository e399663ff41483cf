/**
 * StartReverseReplication, after each successful verification of the bake: old blue starts applying the
 * new primary's writes (the first call), then the stream's status and lag are read (every call). A broken
 * stream is reported, never compensated: the switch stands.
 */
import { type Gateways, rdsGateway, reverseReplicationGateway, systemClock } from '#aws/gateways';
import { StartReverseReplicationInput } from '#domain/reverse-contracts';
import { executionNameOf } from '#domain/reverse-replication';
import { reverseTargetByResourceId } from '#lib/reverse-targets';
import { taskHandler } from '#lib/task-handler';

export const makeStartReverseReplicationHandler = (gw: Pick<Gateways, 'rds' | 'reverse' | 'clock'>) =>
  taskHandler(StartReverseReplicationInput, async (input) => {
    const off = (detail: string) => ({
      enabled: false,
      state: 'absent' as const,
      lag: null,
      lagUnit: 'bytes' as const,
      detail,
      checkedAt: gw.clock().toISOString(),
    });
    if (!input.reverse.enabled || !input.database) return off(input.reverse.reason);
    if (!input.oldBlueResourceId) return off('the switch named no old blue');
    const [newPrimary, oldBlue] = await Promise.all([
      reverseTargetByResourceId(gw, input.database, input.newPrimaryResourceId, 'new primary'),
      reverseTargetByResourceId(gw, input.database, input.oldBlueResourceId, 'old blue'),
    ]);
    const status = await gw.reverse.start({
      newPrimary,
      oldBlue,
      executionName: executionNameOf(input.executionId),
    });
    return { enabled: true, ...status };
  });

export const handler = makeStartReverseReplicationHandler({
  rds: rdsGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
});
