/**
 * Compensate: before the switch, delete green (DeleteTarget=true). It first proves the switch never
 * happened: a switched deployment's "green" is production, so that case goes to AlertAndHold instead.
 * The deletion itself is src/lib/compensate-green.ts, shared with the backstop reconciler.
 */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { boundedLoopSeconds, COMPENSATION_DEADLINE_SECONDS } from '#domain/budget';
import { CompensateInput } from '#domain/contracts';
import { addSeconds } from '#domain/plan';
import { compensateGreen } from '#lib/compensate-green';
import { taskHandler } from '#lib/task-handler';

export const makeCompensateHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(CompensateInput, async ({ deploymentName, executionId, pollSeconds }) => {
    // Fixed deadline, shortened when polls are short so the loop stays inside the history budget.
    const deadline = addSeconds(gw.clock(), boundedLoopSeconds(COMPENSATION_DEADLINE_SECONDS, pollSeconds));
    const result = await compensateGreen(gw, { deploymentName, executionId });
    return { ...result, deadline };
  });

export const handler = makeCompensateHandler({ rds: rdsGateway(), clock: systemClock });
