/** Retain: mark old blue with the end of its rollback window; the gate refuses contract migrations until then. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { RetainInput } from '#domain/contracts';
import { CleanupRefusedError } from '#domain/errors';
import { TAGS } from '#domain/names';
import { addSeconds } from '#domain/plan';
import { taskHandler } from '#lib/task-handler';

export const makeRetainHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(RetainInput, async ({ oldBlueId, retentionSeconds, executionId, sourceId }) => {
    const oldBlue = await gw.rds.describeInstance(oldBlueId);
    if (!oldBlue) throw new CleanupRefusedError(`old blue ${oldBlueId} is missing; nothing to retain`);
    const retainUntil = addSeconds(gw.clock(), retentionSeconds);
    await gw.rds.addTags(oldBlue.arn, {
      [TAGS.retainUntil]: retainUntil,
      [TAGS.role]: 'old-blue',
      [TAGS.execution]: executionId,
      [TAGS.source]: sourceId,
    });
    return { oldBlueId, retainUntil };
  });

export const handler = makeRetainHandler({ rds: rdsGateway(), clock: systemClock });
