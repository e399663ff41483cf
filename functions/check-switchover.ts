/** CheckSwitchover: completed, failed (RDS rolled back), or still in progress. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckSwitchoverInput } from '#domain/contracts';
import { DeploymentNotFoundError, OldBlueNotProvenError } from '#domain/errors';
import { addSeconds } from '#domain/plan';
import { judgeSwitchover } from '#domain/switchover';
import { taskHandler } from '#lib/task-handler';

export const makeCheckSwitchoverHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CheckSwitchoverInput, async ({ deploymentId, bakeSeconds, blueResourceId }) => {
    const deployment = await gw.rds.describeDeployment(deploymentId);
    if (!deployment)
      throw new DeploymentNotFoundError(`deployment ${deploymentId} vanished during the switchover`);
    const judgement = judgeSwitchover(deployment);
    // Old blue's identity is fixed here, seconds after the switch (no rename is possible during it):
    // the -old<N> instance RDS names as Source must carry the resource id blue had before the switch.
    let oldBlueResourceId: string | null = null;
    if (judgement.progress === 'completed' && judgement.oldBlueId) {
      const oldBlue = await gw.rds.describeInstance(judgement.oldBlueId);
      oldBlueResourceId = oldBlue?.resourceId || null;
      if (blueResourceId && oldBlueResourceId !== blueResourceId)
        throw new OldBlueNotProvenError(
          `${judgement.oldBlueId} has resource id ${oldBlueResourceId ?? '(none: missing)'}, but blue was ${blueResourceId}; old blue not identified`,
        );
    }
    const now = gw.clock();
    // The bake period starts when the switch is first seen completed.
    return {
      ...judgement,
      oldBlueResourceId,
      checkedAt: now.toISOString(),
      bakeUntil: addSeconds(now, bakeSeconds),
    };
  });

export const handler = makeCheckSwitchoverHandler({ rds: rdsGateway(), clock: systemClock });
