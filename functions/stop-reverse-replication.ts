/** StopReverse: old blue has everything; remove the reverse stream on both sides before old blue takes writes. */
import { type Gateways, rdsGateway, reverseReplicationGateway, systemClock } from '#aws/gateways';
import { FailBackDatabaseStepInput } from '#domain/fail-back-contracts';
import { reversePair } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeStopReverseReplicationHandler = (gw: Pick<Gateways, 'rds' | 'reverse' | 'clock'>) =>
  taskHandler(FailBackDatabaseStepInput, async ({ database, ...claim }) => {
    const { instances: _instances, ...pair } = await reversePair(gw, claim, database);
    await gw.reverse.stop(pair);
    return { stopped: true, stoppedAt: gw.clock().toISOString() };
  });

export const handler = makeStopReverseReplicationHandler({
  rds: rdsGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
});
