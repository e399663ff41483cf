/** CheckGreen: one look at the deployment and its green instances; the Choice decides what follows. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { CheckGreenInput } from '#domain/contracts';
import { DeploymentNotFoundError } from '#domain/errors';
import { instanceIdFromArn } from '#domain/facts';
import { addSeconds } from '#domain/plan';
import { judgeGreenReadiness } from '#domain/readiness';
import { taskHandler } from '#lib/task-handler';

export const makeCheckGreenHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CheckGreenInput, async ({ deploymentId, lagDeadlineMinutes }) => {
    const deployment = await gw.rds.describeDeployment(deploymentId);
    if (!deployment) throw new DeploymentNotFoundError(`deployment ${deploymentId} no longer exists`);
    const greenIds = deployment.switchoverDetails.flatMap((m) =>
      m.targetMember ? [instanceIdFromArn(m.targetMember)] : [],
    );
    const greens = (await Promise.all(greenIds.map((id) => gw.rds.describeInstance(id)))).filter(
      (g) => g !== undefined,
    );
    const readiness = judgeGreenReadiness(deployment, greens);
    const now = gw.clock();
    const primary = greens[0];
    return {
      verdict: readiness.verdict,
      reasons: readiness.reasons,
      deploymentStatus: deployment.status,
      greenInstanceId: primary?.id ?? null,
      greenResourceId: primary?.resourceId ?? null,
      checkedAt: now.toISOString(),
      // The lag loop's deadline starts the moment green is ready, computed once here.
      lagDeadline: addSeconds(now, lagDeadlineMinutes * 60),
    };
  });

export const handler = makeCheckGreenHandler({ rds: rdsGateway(), clock: systemClock });
