/**
 * Compensate: before the switch, delete green (DeleteTarget=true), after proving it is this execution's
 * and never switched. The deletion itself is src/lib/compensate-green.ts, shared with the backstop
 * reconciler, so both take the same safe path.
 */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { boundedLoopSeconds, COMPENSATION_DEADLINE_SECONDS } from '#domain/budget';
import { CompensateInput } from '#domain/contracts';
import { addSeconds } from '#domain/plan';
import { compensateGreen } from '#lib/compensate-green';
import { taskHandler } from '#lib/task-handler';

export const makeCompensateHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CompensateInput, async ({ deploymentName, executionId, createdDeploymentId, pollSeconds }) => {
    // Fixed deadline, shortened when polls are short so the loop stays inside the history budget.
    const deadline = addSeconds(
      gw.clock(),
      boundedLoopSeconds(COMPENSATION_DEADLINE_SECONDS, pollSeconds ?? 60),
    );
    const result = await compensateGreen(gw, { deploymentName, executionId, createdDeploymentId });
    return { ...result, deadline };
  });

export const handler = makeCompensateHandler({ rds: rdsGateway(), clock: systemClock });
