/** CheckSwitchover: completed, failed (RDS rolled back), or still in progress. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckSwitchoverInput } from '#domain/contracts';
import { DeploymentNotFoundError } from '#domain/errors';
import { addSeconds } from '#domain/plan';
import { judgeSwitchover } from '#domain/switchover';
import { taskHandler } from '#lib/task-handler';

export const makeCheckSwitchoverHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CheckSwitchoverInput, async ({ deploymentId, bakeSeconds }) => {
    const deployment = await gw.rds.describeDeployment(deploymentId);
    if (!deployment)
      throw new DeploymentNotFoundError(`deployment ${deploymentId} vanished during the switchover`);
    const judgement = judgeSwitchover(deployment);
    const now = gw.clock();
    // The bake period starts when the switch is first seen completed.
    return { ...judgement, checkedAt: now.toISOString(), bakeUntil: addSeconds(now, bakeSeconds) };
  });

export const handler = makeCheckSwitchoverHandler({ rds: rdsGateway(), clock: systemClock });
