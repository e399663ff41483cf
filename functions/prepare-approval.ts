/** PrepareApproval: the facts approvers need, a smoke test of green, and the decision deadline. */

import { databaseGateway, ddlGuardGateway, type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { PrepareApprovalInput } from '#domain/contracts';
import { assertIsError, SmokeTestFailedError } from '#domain/errors';
import { approvalInspection } from '#domain/inspection/index';
import { addSeconds } from '#domain/plan';
import { approvalValidation } from '#domain/validation/index';
import { taskHandler } from '#lib/task-handler';

export const makePrepareApprovalHandler = (gw: Pick<Gateways, 'rds' | 'database' | 'ddlGuard' | 'clock'>) =>
  taskHandler(PrepareApprovalInput, async (input) => {
    const { plan, source, target } = input;
    const green = await gw.rds.describeInstance(input.greenInstanceId);
    // Green is read-only before the switch, so only reading smoke queries make sense here.
    const smoke =
      input.database && green?.endpoint && input.smokeSql.length > 0
        ? await gw.database.runSmoke(
            { ...input.database, host: green.endpoint.address, port: green.endpoint.port },
            input.smokeSql,
          )
        : [];
    const failed = smoke.filter((s) => !s.ok);
    if (failed.length > 0) {
      throw new SmokeTestFailedError(
        `green smoke queries failed: ${failed.map((f) => `${f.sql}: ${f.error}`).join('; ')}`,
      );
    }
    // What the DDL guard saw on blue since green was created; unreadable is said, not fatal.
    const guard = input.ddlGuard;
    let seen: { logged: number | null; schemaChanged: boolean | null; note?: string } = {
      logged: null,
      schemaChanged: null,
    };
    if (input.database && guard.mode !== 'off') {
      try {
        const o = await gw.ddlGuard.observe(input.database, input.executionId);
        seen = o
          ? { logged: o.logged, schemaChanged: o.schemaChanged }
          : { ...seen, note: 'guard not found on blue' };
      } catch (err) {
        seen = { ...seen, note: `cannot read the guard on blue: ${assertIsError(err).message}` };
      }
    }
    return {
      approvers: plan.approval.approvers,
      expiresAt: addSeconds(gw.clock(), plan.approval.timeoutSeconds),
      request: {
        database: plan.sourceId,
        deploymentId: input.deploymentId,
        greenInstanceId: input.greenInstanceId,
        engine: plan.engine,
        current: {
          engineVersion: plan.currentEngineVersion,
          dbParameterGroupName: source.parameterGroup ?? undefined,
          dbInstanceClass: source.instanceClass,
        },
        target: {
          engineVersion: plan.targetEngineVersion,
          dbParameterGroupName: target.dbParameterGroupName,
          dbInstanceClass: target.dbInstanceClass,
        },
        replication: plan.replication,
        lag: { value: input.lag.value ?? -1, unit: input.lag.unit, metric: input.lag.metric },
        window: plan.window,
        migrations: input.migrations,
        ddlGuard: { mode: guard.mode, freeze: guard.freeze, warnings: guard.warnings, ...seen },
        ...(input.inspection ? { inspection: approvalInspection(input.inspection) } : {}),
        ...(input.validation ? { validation: approvalValidation(input.validation) } : {}),
      },
      smoke,
    };
  });

export const handler = makePrepareApprovalHandler({
  rds: rdsGateway(),
  database: databaseGateway(),
  ddlGuard: ddlGuardGateway(),
  clock: systemClock,
});
