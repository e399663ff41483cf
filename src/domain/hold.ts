/** `switchyard hold`: which resources of a run get the hold tag, and what the tag says. */
import type { DeploymentFacts, InstanceFacts } from './facts.ts';
import { TAGS } from './names.ts';

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

/** Why an execution ARN is unusable, or undefined when it is fine. */
export const executionArnProblem = (arn: string): string | undefined =>
  EXECUTION_ARN.test(arn)
    ? undefined
    : `"${arn}" is not a Step Functions execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>); copy it from the notification or \`switchyard status\``;

/** RDS tag values allow letters, digits, spaces and _ . : / = + - @ (AddTagsToResource). */
export const holdValue = (by: string, at: Date): string =>
  `${by.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '_').slice(0, 200)} ${at.toISOString()}`;

/** The deployment ARN RDS uses for tagging, in the partition, region and account of its source. */
export const deploymentArn = (deployment: Pick<DeploymentFacts, 'id' | 'source'>): string =>
  `${deployment.source.split(':').slice(0, 5).join(':')}:deployment:${deployment.id}`;

/**
 * Everything a run could delete: its deployments (found by the execution tag), their source and
 * target instances, and any instance tagged with the execution (old blue after Retain).
 */
export const holdTargets = (
  executionArn: string,
  deployments: DeploymentFacts[],
  instances: InstanceFacts[],
): string[] => {
  const arns = new Set<string>();
  for (const d of deployments.filter((x) => x.tags[TAGS.execution] === executionArn)) {
    arns.add(deploymentArn(d));
    for (const m of d.switchoverDetails) {
      arns.add(m.sourceMember);
      if (m.targetMember) arns.add(m.targetMember);
    }
  }
  for (const i of instances.filter((x) => x.tags[TAGS.execution] === executionArn)) arns.add(i.arn);
  return [...arns].filter((a) => a !== '').sort();
};
