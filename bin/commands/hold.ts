/**
 * `switchyard hold <executionArn> [--by NAME]`: put the hold tag on every resource of a run, so no
 * deletion (DeleteOldBlue, Cleanup's snapshot step, Compensate, the reconciler) goes ahead. The run
 * then ends Held and notifies. Remove the tag by hand when the incident is closed.
 */
import { rdsClient } from '#aws/clients';
import { makeRdsGateway } from '#aws/rds-gateway';
import { executionArnProblem, holdTargets, holdValue } from '#domain/hold';
import { TAGS } from '#domain/names';

const USAGE = 'usage: switchyard hold <executionArn> [--by NAME]';

export const run = async (argv: string[]): Promise<number> => {
  const [executionArn, ...rest] = argv;
  if (!executionArn || executionArn.startsWith('--')) {
    console.error(USAGE);
    return 2;
  }
  const problem = executionArnProblem(executionArn);
  if (problem) {
    console.error(`switchyard hold: ${problem}\n${USAGE}`);
    return 2;
  }
  const byAt = rest.indexOf('--by');
  const by = byAt >= 0 ? rest[byAt + 1] : (process.env.USER ?? 'operator');
  if (!by) {
    console.error(`switchyard hold: --by needs a name\n${USAGE}`);
    return 2;
  }
  const rds = makeRdsGateway(rdsClient());
  const [deployments, instances] = await Promise.all([
    rds.deploymentsTagged(TAGS.execution, executionArn),
    rds.listInstances(),
  ]);
  const targets = holdTargets(executionArn, deployments, instances);
  if (targets.length === 0) {
    console.error(
      `switchyard hold: nothing is tagged ${TAGS.execution}=${executionArn}: no deployment or instance of this run exists (check the ARN and the region)`,
    );
    return 1;
  }
  const value = holdValue(by, new Date());
  for (const arn of targets) {
    await rds.addTags(arn, { [TAGS.hold]: value });
    console.log(`held ${arn} (${TAGS.hold}=${value})`);
  }
  console.log(
    `No deletion of these resources will go ahead; the run ends Held and notifies. Remove ${TAGS.hold} by hand to release them.`,
  );
  return 0;
};
