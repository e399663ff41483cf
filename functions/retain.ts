/**
 * Retain: mark old blue with the end of its rollback window (the gate refuses contract migrations
 * until then) and with the tags that later prove it is old blue: role, execution, source.
 */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { RetainInput } from '#domain/contracts';
import { CleanupRefusedError, OldBlueNotProvenError } from '#domain/errors';
import { TAGS } from '#domain/names';
import { addSeconds } from '#domain/plan';
import { taskHandler } from '#lib/task-handler';

export const makeRetainHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(
    RetainInput,
    async ({ oldBlueId, oldBlueResourceId, retentionSeconds, executionId, sourceId }) => {
      const oldBlue = await gw.rds.describeInstance(oldBlueId);
      if (!oldBlue) throw new CleanupRefusedError(`old blue ${oldBlueId} is missing; nothing to retain`);
      // Tagging the wrong instance "old-blue" would later prove it deletable: check the id first.
      if (oldBlue.resourceId !== oldBlueResourceId)
        throw new OldBlueNotProvenError(
          `${oldBlueId} is resource ${oldBlue.resourceId}, not the old blue recorded at the switch (${oldBlueResourceId}); not tagged`,
        );
      const retainUntil = addSeconds(gw.clock(), retentionSeconds);
      await gw.rds.addTags(oldBlue.arn, {
        [TAGS.retainUntil]: retainUntil,
        [TAGS.role]: 'old-blue',
        [TAGS.execution]: executionId,
        [TAGS.source]: sourceId,
      });
      // The rollback window's Task timeout: a positive integer, so at least 1 s even with no retention.
      return { oldBlueId, oldBlueResourceId, retainUntil, windowSeconds: Math.max(1, retentionSeconds) };
    },
  );

export const handler = makeRetainHandler({ rds: rdsGateway(), clock: systemClock });
