/**
 * DeleteOldBlue: delete old blue only when everything recorded about it still holds right now (see
 * proveOldBlue): same resource id and name, Switchyard's tags, not serving production, read-only,
 * no hold, idle, final snapshot available, deletion protection off. Anything else keeps it.
 */

import { type Gateways, metricsGateway, rdsGateway, systemClock } from '#aws/gateways';
import { DeleteOldBlueInput } from '#domain/contracts';
import { proveOldBlue } from '#domain/deletion';
import { DeletionHeldError, OldBlueNotProvenError } from '#domain/errors';
import { gatherOldBlueEvidence } from '#lib/old-blue-evidence';
import { taskHandler } from '#lib/task-handler';

export const makeDeleteOldBlueHandler = (gw: Pick<Gateways, 'rds' | 'metrics' | 'clock'>) =>
  taskHandler(
    DeleteOldBlueInput,
    async ({ oldBlueId, oldBlueResourceId, executionId, sourceId, snapshotId }) => {
      const claim = { instanceId: oldBlueId, resourceId: oldBlueResourceId, executionId, sourceId };
      const proof = proveOldBlue(claim, await gatherOldBlueEvidence(gw, claim, snapshotId));
      switch (proof.verdict) {
        case 'gone':
          return { deleted: false, status: 'already-gone' };
        case 'already-deleting':
          return { deleted: true, status: 'deleting' };
        case 'refuse': {
          const message = `old blue ${oldBlueId} (${oldBlueResourceId}) kept: ${proof.reasons.join('; ')}`;
          throw proof.held ? new DeletionHeldError(message) : new OldBlueNotProvenError(message);
        }
        default: {
          const status = await gw.rds.deleteInstance(oldBlueId);
          return { deleted: true, status };
        }
      }
    },
  );

export const handler = makeDeleteOldBlueHandler({
  rds: rdsGateway(),
  metrics: metricsGateway(),
  clock: systemClock,
});
