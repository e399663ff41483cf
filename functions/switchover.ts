/** Switchover: ask RDS to switch with an explicit timeout; an earlier attempt's switch counts as started. */

import { errorName } from '#aws/errors';
import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { SwitchoverInput } from '#domain/contracts';
import { DeploymentNotFoundError, SwitchoverRefusedError } from '#domain/errors';
import { instanceIdFromArn } from '#domain/facts';
import { switchoverDeadline } from '#domain/switchover';
import { taskHandler } from '#lib/task-handler';

const ALREADY_SWITCHING = new Set(['SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_COMPLETED']);

export const makeSwitchoverHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(SwitchoverInput, async ({ deploymentId, timeoutSeconds }) => {
    const now = gw.clock();
    const before = await gw.rds.describeDeployment(deploymentId);
    if (!before) throw new DeploymentNotFoundError(`deployment ${deploymentId} no longer exists`);
    // Record blue's resource id now: after the switch it is the only name-proof identity of old blue.
    const blue = await gw.rds.describeInstance(instanceIdFromArn(before.source));
    const blueResourceId = blue?.resourceId || null;
    // Idempotent: a retry after a lost response must not ask twice.
    if (ALREADY_SWITCHING.has(before.status.toUpperCase())) {
      return {
        startedAt: now.toISOString(),
        deadline: switchoverDeadline(now, timeoutSeconds),
        status: before.status,
        blueResourceId,
      };
    }
    try {
      const after = await gw.rds.switchover(deploymentId, timeoutSeconds);
      return {
        startedAt: now.toISOString(),
        deadline: switchoverDeadline(now, timeoutSeconds),
        status: after.status,
        blueResourceId,
      };
    } catch (err) {
      // RDS guardrails (green not available, lag, long writes) answer InvalidBlueGreenDeploymentStateFault.
      if (errorName(err) === 'InvalidBlueGreenDeploymentStateFault') {
        throw new SwitchoverRefusedError(`RDS refused the switchover: ${(err as Error).message}`, {
          cause: err,
        });
      }
      throw err;
    }
  });

export const handler = makeSwitchoverHandler({ rds: rdsGateway(), clock: systemClock });
