/** CheckCompensation: green counts as removed only when the deployment and every green instance are gone. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckCompensationInput } from '#domain/contracts';
import { taskHandler } from '#lib/task-handler';

export const makeCheckCompensationHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CheckCompensationInput, async ({ deploymentId, greenInstanceIds }) => {
    const remaining: string[] = [];
    if (deploymentId && (await gw.rds.describeDeployment(deploymentId))) remaining.push(deploymentId);
    for (const id of greenInstanceIds) {
      if (await gw.rds.describeInstance(id)) remaining.push(id);
    }
    return { done: remaining.length === 0, remaining, checkedAt: gw.clock().toISOString() };
  });

export const handler = makeCheckCompensationHandler({ rds: rdsGateway(), clock: systemClock });
