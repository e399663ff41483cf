/**
 * Green readiness. `AVAILABLE` alone is not enough: every task must be COMPLETED, every switchover
 * member AVAILABLE and every green instance `available` (not storage-initialization/-optimization).
 */
import type { DeploymentFacts, InstanceFacts } from './facts.ts';

export type GreenVerdict = 'ready' | 'wait' | 'failed';

export interface GreenReadiness {
  verdict: GreenVerdict;
  reasons: string[];
}

const FAILED_DEPLOYMENT = new Set(['INVALID_CONFIGURATION', 'SWITCHOVER_FAILED', 'DELETING']);
const FAILED_INSTANCE = new Set([
  'failed',
  'deleting',
  'deleted',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'inaccessible-encryption-credentials',
]);

/** Judges green from the deployment and its green instances; statuses compare case-insensitively. */
export const judgeGreenReadiness = (
  deployment: DeploymentFacts,
  greenInstances: InstanceFacts[],
): GreenReadiness => {
  const status = deployment.status.toUpperCase();
  if (FAILED_DEPLOYMENT.has(status)) {
    const detail = deployment.statusDetails ? `: ${deployment.statusDetails}` : '';
    return { verdict: 'failed', reasons: [`deployment ${deployment.id} is ${status}${detail}`] };
  }
  const failedTasks = deployment.tasks.filter((t) => t.status.toUpperCase() === 'FAILED');
  if (failedTasks.length > 0) {
    return { verdict: 'failed', reasons: failedTasks.map((t) => `task ${t.name} FAILED`) };
  }
  const brokenGreen = greenInstances.filter((i) => FAILED_INSTANCE.has(i.status.toLowerCase()));
  if (brokenGreen.length > 0) {
    return { verdict: 'failed', reasons: brokenGreen.map((i) => `green instance ${i.id} is ${i.status}`) };
  }

  const reasons: string[] = [];
  if (status !== 'AVAILABLE') reasons.push(`deployment is ${status}`);
  for (const task of deployment.tasks) {
    if (task.status.toUpperCase() !== 'COMPLETED') reasons.push(`task ${task.name} is ${task.status}`);
  }
  for (const member of deployment.switchoverDetails) {
    if (!member.targetMember) reasons.push(`member ${member.sourceMember} has no green target yet`);
    else if ((member.status ?? '').toUpperCase() !== 'AVAILABLE') {
      reasons.push(`member ${member.targetMember} is ${member.status ?? 'unknown'}`);
    }
  }
  const expected = deployment.switchoverDetails.flatMap((m) => (m.targetMember ? [m.targetMember] : []));
  if (expected.length === 0 && status === 'AVAILABLE') reasons.push('deployment lists no green members');
  for (const instance of greenInstances) {
    if (instance.status.toLowerCase() !== 'available')
      reasons.push(`green instance ${instance.id} is ${instance.status}`);
  }
  if (greenInstances.length < expected.length) reasons.push('not every green instance is visible yet');
  return reasons.length === 0 ? { verdict: 'ready', reasons: [] } : { verdict: 'wait', reasons };
};
