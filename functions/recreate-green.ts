/**
 * RecreateGreen (green.recreateOnDegraded): the replication window broke in the lag loop, so delete green
 * the one safe way (src/lib/compensate-green.ts: found by id, name and this execution's tag, proven ours
 * and never switched) and count the recreation with its cause; the ASL then waits for the deletion and
 * creates a new green under the same deterministic name.
 */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { boundedLoopSeconds, COMPENSATION_DEADLINE_SECONDS } from '#domain/budget';
import { RecreateGreenInput } from '#domain/contracts';
import { RecreateLimitError } from '#domain/errors';
import { addSeconds } from '#domain/plan';
import { mayRecreate, recordRecreate } from '#domain/recreate';
import { compensateGreen } from '#lib/compensate-green';
import { taskHandler } from '#lib/task-handler';

export const makeRecreateGreenHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(RecreateGreenInput, async (event) => {
    const { deploymentName, executionId, createdDeploymentId, pollSeconds, window, recreates, max } = event;
    if (!mayRecreate(recreates, max))
      throw new RecreateLimitError(
        `green was already recreated ${recreates.count} time(s) (green.maxRecreates ${max})`,
      );
    const now = gw.clock();
    const deletion = await compensateGreen(gw, { deploymentName, executionId, createdDeploymentId });
    return {
      ...recordRecreate(recreates, window, deletion.deploymentId, now.toISOString()),
      deletion: {
        ...deletion,
        deadline: addSeconds(now, boundedLoopSeconds(COMPENSATION_DEADLINE_SECONDS, pollSeconds)),
      },
      // The rebuilt green gets the same time to become ready as the first one had.
      greenReady: addSeconds(now, event.greenReadySeconds),
    };
  });

export const handler = makeRecreateGreenHandler({ rds: rdsGateway(), clock: systemClock });
