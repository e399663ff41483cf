/**
 * The one way Switchyard deletes green before a switch, shared by the Compensate task and the backstop
 * reconciler: find the deployment by its deterministic name, prove it is this execution's and that it
 * never switched, then DeleteBlueGreenDeployment with DeleteTarget=true.
 */
import { errorName } from '#aws/errors';
import type { Gateways } from '#aws/gateways';
import { CompensationBlockedError, DeploymentConflictError, SwitchedAlreadyError } from '#domain/errors';
import { instanceIdFromArn } from '#domain/facts';
import { TAGS } from '#domain/names';

export type CompensationAction = 'nothing-created' | 'already-deleting' | 'deleted-with-target';

export interface CompensationResult {
  deploymentId: string | null;
  greenInstanceIds: string[];
  action: CompensationAction;
}

export const compensateGreen = async (
  gw: Pick<Gateways, 'rds'>,
  { deploymentName, executionId }: { deploymentName: string; executionId: string },
): Promise<CompensationResult> => {
  // Found by its deterministic name: works even when CreateGreen failed after RDS accepted the call.
  const deployment = await gw.rds.deploymentByName(deploymentName);
  if (!deployment) return { deploymentId: null, greenInstanceIds: [], action: 'nothing-created' };
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
    return { deploymentId: deployment.id, greenInstanceIds, action: 'already-deleting' };

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
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  return { deploymentId: deployment.id, greenInstanceIds, action: 'deleted-with-target' };
};
