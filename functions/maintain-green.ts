/**
 * MaintainGreen: the built-in steps on green before the approval — refresh the materialized views the
 * inspection listed (when the input asks) and ANALYZE after a major-version upgrade. One time-bounded
 * round per invocation; the state machine calls again while the result says `more`.
 */
import { type Gateways, greenMaintenanceGateway, rdsGateway, systemClock } from '#aws/gateways';
import { type GreenMaintenanceResult, nothingToDo } from '#domain/green-maintenance';
import { MaintainGreenInput } from '#domain/green-maintenance-contract';
import { GreenEndpointMissingError } from '#domain/validation/errors';
import { runMaintenanceRound } from '#lib/maintain-green';
import { taskHandler } from '#lib/task-handler';

export const makeMaintainGreenHandler = (gw: Pick<Gateways, 'rds' | 'greenMaintenance' | 'clock'>) =>
  taskHandler(MaintainGreenInput, async (input): Promise<GreenMaintenanceResult> => {
    const { plan, database } = input;
    // Nothing to run (or no credentials, which the plan already says): no connection is opened.
    if ((!plan.analyze.run && !plan.refreshViews.run) || !database) return nothingToDo(plan, gw.clock());
    // Green through its own instance endpoint: the cluster-style endpoint is still blue's.
    const green = await gw.rds.describeInstance(input.greenInstanceId);
    if (!green?.endpoint)
      throw new GreenEndpointMissingError(
        `green instance ${input.greenInstanceId} has no endpoint in DescribeDBInstances; cannot analyze it`,
      );
    const endpoint = { host: green.endpoint.address, port: green.endpoint.port };
    const previous = input.previous.status === 'more' ? (input.previous as GreenMaintenanceResult) : null;
    return runMaintenanceRound(
      {
        open: (writable) => gw.greenMaintenance.open(database, endpoint, writable),
        now: () => gw.clock().getTime(),
      },
      { plan, inspection: input.inspection, previous },
    );
  });

export const handler = makeMaintainGreenHandler({
  rds: rdsGateway(),
  greenMaintenance: greenMaintenanceGateway(),
  clock: systemClock,
});
