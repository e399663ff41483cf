/**
 * PrepareReverseReplication, right before the switch: on green, what makes the reverse stream start
 * exactly at the switch (PostgreSQL: publication + slot; MariaDB: a check of green's binlog). Off when
 * Preflight decided so; idempotent (a retry finds the same slot).
 */
import { type Gateways, rdsGateway, reverseReplicationGateway, systemClock } from '#aws/gateways';
import { PrepareReverseReplicationInput } from '#domain/reverse-contracts';
import { executionNameOf } from '#domain/reverse-replication';
import { reverseTarget } from '#lib/reverse-targets';
import { taskHandler } from '#lib/task-handler';

export const makePrepareReverseReplicationHandler = (gw: Pick<Gateways, 'rds' | 'reverse' | 'clock'>) =>
  taskHandler(PrepareReverseReplicationInput, async (input) => {
    const checkedAt = gw.clock().toISOString();
    if (!input.reverse.enabled || !input.database)
      return { enabled: false, startPoint: null, detail: input.reverse.reason, checkedAt };
    // Green through its own instance endpoint: the production name still serves blue.
    const [green, blue] = await Promise.all([
      reverseTarget(gw, input.database, input.greenInstanceId, 'green'),
      reverseTarget(gw, input.database, input.sourceId, 'blue'),
    ]);
    const { startPoint } = await gw.reverse.prepare({
      newPrimary: green,
      oldBlue: blue,
      executionName: executionNameOf(input.executionId),
    });
    return { enabled: true, startPoint, detail: `prepared on ${input.greenInstanceId}`, checkedAt };
  });

export const handler = makePrepareReverseReplicationHandler({
  rds: rdsGateway(),
  reverse: reverseReplicationGateway(),
  clock: systemClock,
});
