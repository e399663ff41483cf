/**
 * After a verified fail-back, the run's Blue/Green object (SWITCHOVER_COMPLETED) still names the
 * production instance as its source, because RDS tracks its members by resource id and old blue took the
 * production name back. Preflight refuses a new deployment on a source that has one, so the next
 * attempt would be refused. Cleanup removes the object after a normal run; the fail-back never reaches
 * Cleanup, so it removes it itself: only the object (never DeleteTarget), only this run's, never a held one.
 */

import { hasSwitched } from './deletion.ts';
import type { DeploymentFacts } from './facts.ts';
import { TAGS } from './names.ts';

export type FailBackDeploymentDecision = { action: 'delete' } | { action: 'keep'; reason: string };

export const decideFailBackDeployment = (
  deployment: DeploymentFacts | undefined,
  executionId: string,
): FailBackDeploymentDecision => {
  if (!deployment) return { action: 'keep', reason: 'already gone' };
  const hold = deployment.tags[TAGS.hold];
  if (hold !== undefined) return { action: 'keep', reason: `held (${TAGS.hold}=${hold})` };
  const owner = deployment.tags[TAGS.execution];
  if (owner !== executionId)
    return {
      action: 'keep',
      reason: `not this run's: ${TAGS.execution} is ${owner === undefined ? 'absent' : `"${owner}"`}`,
    };
  if (hasSwitched(deployment.status) !== 'switched')
    return { action: 'keep', reason: `status ${deployment.status}, not a completed switchover` };
  return { action: 'delete' };
};
