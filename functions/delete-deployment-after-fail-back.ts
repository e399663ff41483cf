/**
 * DeleteDeploymentAfterFailBack: removes the run's Blue/Green object (never its instances: no
 * DeleteTarget after a switch) once the fail-back is verified, so a new deployment on the production
 * name is not refused. What it keeps, and why, goes into the failed-back notification.
 */
import { type Gateways, rdsGateway } from '#aws/gateways';
import { DeleteDeploymentAfterFailBackInput } from '#domain/fail-back-contracts';
import { decideFailBackDeployment } from '#domain/fail-back-deployment';
import { taskHandler } from '#lib/task-handler';

export const makeDeleteDeploymentAfterFailBackHandler = (gw: Pick<Gateways, 'rds'>) =>
  taskHandler(DeleteDeploymentAfterFailBackInput, async ({ deploymentId, executionId }) => {
    const decision = decideFailBackDeployment(await gw.rds.describeDeployment(deploymentId), executionId);
    if (decision.action === 'keep')
      return { deleted: false, detail: `Blue/Green deployment ${deploymentId} kept: ${decision.reason}` };
    const after = await gw.rds.deleteDeployment(deploymentId, false);
    return {
      deleted: true,
      detail: `Blue/Green deployment ${deploymentId} deleted (${after?.status ?? 'gone'}); both instances kept`,
    };
  });

export const handler = makeDeleteDeploymentAfterFailBackHandler({ rds: rdsGateway() });
