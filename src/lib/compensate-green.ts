/**
 * The one way Switchyard deletes green before a switch, shared by the Compensate task and the backstop
 * reconciler. It finds the deployment by the id CreateGreen returned, by its deterministic name and by
 * this execution's tag, then asks `mayDeleteGreen`: a switched deployment's "green" is production
 * (AlertAndHold instead), a held one is kept (Held), someone else's is left alone.
 */
import { errorName } from '#aws/errors';
import type { Gateways } from '#aws/gateways';
import { type GreenRefusal, mayDeleteGreen } from '#domain/deletion';
import {
  CompensationBlockedError,
  DeletionHeldError,
  DeploymentConflictError,
  GreenLookupPendingError,
  SwitchedAlreadyError,
} from '#domain/errors';
import { type DeploymentFacts, instanceIdFromArn } from '#domain/facts';
import { TAGS } from '#domain/names';

export type CompensationAction = 'nothing-found' | 'already-deleting' | 'deleted-with-target';

export interface CompensationResult {
  deploymentId: string | null;
  greenInstanceIds: string[];
  action: CompensationAction;
}

/** The named error each refusal raises; the ASL routes them (AlertAndHold, Held, retry, stuck). */
const refusalError = (kind: GreenRefusal, reason: string): Error => {
  switch (kind) {
    case 'not-ours':
      return new DeploymentConflictError(reason);
    case 'held':
      return new DeletionHeldError(reason);
    case 'switched':
      return new SwitchedAlreadyError(reason);
    default:
      return new CompensationBlockedError(reason);
  }
};

export const compensateGreen = async (
  gw: Pick<Gateways, 'rds'>,
  {
    deploymentName,
    executionId,
    createdDeploymentId,
  }: { deploymentName: string; executionId: string; createdDeploymentId?: string | null },
): Promise<CompensationResult> => {
  // Three ways to find green: the id CreateGreen returned, the deterministic name (works when
  // CreateGreen failed after RDS accepted the call), and this execution's tag (works when the
  // name lookup misses it). A name match tagged for another execution is refused below.
  const [byId, byName, byTag] = await Promise.all([
    createdDeploymentId ? gw.rds.describeDeployment(createdDeploymentId) : undefined,
    gw.rds.deploymentByName(deploymentName),
    gw.rds.deploymentsTagged(TAGS.execution, executionId),
  ]);
  const found = new Map<string, DeploymentFacts>();
  for (const d of [byId, byName, ...byTag]) if (d) found.set(d.id, d);
  if (found.size === 0) {
    // CreateGreen never returned: RDS may have accepted the call and not show it yet (eventual
    // consistency). The ASL retries this error for a bounded time before concluding "nothing created".
    if (!createdDeploymentId)
      throw new GreenLookupPendingError(
        `no deployment named ${deploymentName} or tagged ${TAGS.execution}=${executionId} is visible yet`,
      );
    return { deploymentId: null, greenInstanceIds: [], action: 'nothing-found' };
  }
  if (found.size > 1)
    throw new DeploymentConflictError(
      `several deployments match this execution (${[...found.keys()].join(', ')}); none deleted, a person must choose`,
    );
  const deployment = [...found.values()][0]!;
  const greenInstanceIds = deployment.switchoverDetails.flatMap((m) =>
    m.targetMember ? [instanceIdFromArn(m.targetMember)] : [],
  );
  const decision = mayDeleteGreen(deployment, executionId);
  if (decision.verdict === 'refuse') throw refusalError(decision.kind, decision.reason);
  if (decision.verdict === 'already-deleting')
    return { deploymentId: deployment.id, greenInstanceIds, action: 'already-deleting' };

  for (const id of greenInstanceIds) {
    const green = await gw.rds.describeInstance(id);
    if (!green) continue;
    // Green copies blue's tags; mark it so the role's IAM condition (rds:db-tag/switchyard:role=green)
    // lets DeleteTarget delete it, and nothing else.
    if (green.tags[TAGS.role] !== 'green' || green.tags[TAGS.execution] !== executionId)
      await gw.rds.addTags(green.arn, { [TAGS.role]: 'green', [TAGS.execution]: executionId });
    // DeleteTarget=true needs deletion protection off on green (green copies blue's setting).
    if (green.deletionProtection) await gw.rds.disableDeletionProtection(id);
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
