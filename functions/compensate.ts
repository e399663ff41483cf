/**
 * Compensate: before the switch, delete green (DeleteTarget=true). It first proves the switch never
 * happened: a switched deployment's "green" is production, so that case goes to AlertAndHold instead.
 */

import { errorName } from '#aws/errors';
import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CompensateInput } from '#domain/contracts';
import { CompensationBlockedError, DeploymentConflictError, SwitchedAlreadyError } from '#domain/errors';
import { instanceIdFromArn } from '#domain/facts';
import { TAGS } from '#domain/names';
import { addSeconds } from '#domain/plan';
import { taskHandler } from '#lib/task-handler';

const COMPENSATION_DEADLINE_SECONDS = 3600;

export const makeCompensateHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CompensateInput, async ({ deploymentName, executionId }) => {
    const deadline = addSeconds(gw.clock(), COMPENSATION_DEADLINE_SECONDS);
    // Found by its deterministic name: works even when CreateGreen failed after RDS accepted the call.
    const deployment = await gw.rds.deploymentByName(deploymentName);
    if (!deployment) return { deploymentId: null, greenInstanceIds: [], action: 'nothing-created', deadline };
    if (deployment.tags[TAGS.execution] !== executionId) {
      throw new DeploymentConflictError(
        `deployment ${deployment.id} (${deploymentName}) is not this execution's; left untouched`,
      );
    }
    const greenInstanceIds = deployment.switchoverDetails.flatMap((m) =>
      m.targetMember ? [instanceIdFromArn(m.targetMember)] : [],
    );
    const status = deployment.status.toUpperCase();
    if (status === 'SWITCHOVER_COMPLETED') {
      throw new SwitchedAlreadyError(
        `deployment ${deployment.id} already switched over; green is production now, nothing deleted`,
      );
    }
    if (status === 'SWITCHOVER_IN_PROGRESS') {
      throw new CompensationBlockedError(
        `deployment ${deployment.id} is switching over; wait for RDS to finish or roll back`,
      );
    }
    if (status === 'DELETING')
      return { deploymentId: deployment.id, greenInstanceIds, action: 'already-deleting', deadline };

    // DeleteTarget=true needs deletion protection off on green (green copies blue's setting).
    for (const id of greenInstanceIds) {
      const green = await gw.rds.describeInstance(id);
      if (green?.deletionProtection) await gw.rds.disableDeletionProtection(id);
    }
    try {
      await gw.rds.deleteDeployment(deployment.id, true);
    } catch (err) {
      if (errorName(err) === 'InvalidBlueGreenDeploymentStateFault') {
        throw new CompensationBlockedError(
          `RDS refused to delete ${deployment.id} now: ${(err as Error).message}`,
          { cause: err },
        );
      }
      throw err;
    }
    return { deploymentId: deployment.id, greenInstanceIds, action: 'deleted-with-target', deadline };
  });

export const handler = makeCompensateHandler({ rds: rdsGateway(), clock: systemClock });
