/** CreateGreen: create the Blue/Green deployment once; a retry adopts the one this execution created. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CreateGreenInput } from '#domain/contracts';
import { DeploymentConflictError } from '#domain/errors';
import { TAGS } from '#domain/names';
import { taskHandler } from '#lib/task-handler';

export const makeCreateGreenHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CreateGreenInput, async ({ plan, target }) => {
    const existing = await gw.rds.deploymentByName(plan.deploymentName);
    if (existing) {
      // Same deterministic name: ours only if the execution tag matches; never adopt someone else's.
      if (existing.tags[TAGS.execution] !== plan.executionId) {
        throw new DeploymentConflictError(
          `deployment ${existing.id} is named ${plan.deploymentName} but is tagged for execution ${existing.tags[TAGS.execution] ?? '(none)'}`,
        );
      }
      return {
        deploymentId: existing.id,
        deploymentName: existing.name,
        adopted: true,
        createdAt: gw.clock().toISOString(),
      };
    }
    const created = await gw.rds.createDeployment({
      name: plan.deploymentName,
      sourceArn: plan.sourceArn,
      targetEngineVersion: target.engineVersion,
      targetParameterGroup: target.dbParameterGroupName,
      targetInstanceClass: target.dbInstanceClass,
      tags: {
        [TAGS.execution]: plan.executionId,
        ...(plan.release ? { [TAGS.release]: plan.release } : {}),
      },
    });
    return {
      deploymentId: created.id,
      deploymentName: created.name,
      adopted: false,
      createdAt: gw.clock().toISOString(),
    };
  });

export const handler = makeCreateGreenHandler({ rds: rdsGateway(), clock: systemClock });
